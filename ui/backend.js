// The one module that talks to the Rust backend. Every view calls these functions and nothing else,
// so the UI can run against a mock: set `window.__FLYWHEEL_MOCK__` to an object with the same
// functions before app.js loads.
//
// Errors arrive as {code, message, details}; views branch on `code`.

const tauri = () => window.__TAURI__;

function call(cmd, args = {}) {
  const t = tauri();
  if (!t) return Promise.reject({ code: 'no_backend', message: 'The Flywheel backend is not available.', details: [] });
  return t.core.invoke(cmd, args).catch((e) =>
    Promise.reject(typeof e === 'object' && e && e.code ? e : { code: 'internal', message: String(e), details: [] }),
  );
}

// What the window holds of the review last seen whole ({id, metrics, sparklines, byId}): re-flagging never
// changes the metrics or their sparklines, so overviews of the same review come without them (at 10,000 metrics,
// 4 MB and 5 MB) and get them back here.
let held = null;

// Remember what overview `ov` holds (a whole one: its metrics and sparklines), and pass it on.
function hold(ov) {
  const metrics = ov.review.metrics;
  held = { id: ov.review_id, metrics, sparklines: ov.sparklines, byId: new Map(metrics.map((m) => [m.id, m])) };
  return whole(ov);
}

// The overview's findings come without what can be worked out here (`view::Sent` in the core): made whole,
// every view reads the review document's findings, less each one's evidence and RFC 3339 start and end.
function whole(ov) {
  const labels = ov.kind_labels;
  ov.review.findings = ov.findings.map((f, i) => {
    const m = held.byId.get(f.metric);
    return {
      rank: i + 1,
      id: `${f.metric}${f.instance != null ? '@' + f.instance : ''}:${f.kind}:${f.start_unix}`,
      kind: f.kind,
      kind_label: labels[f.kind],
      team: f.team ?? m?.team,
      service: f.service ?? m?.service,
      metric: f.metric,
      metric_name: f.metric_name ?? m?.name,
      instance: f.instance ?? null,
      start_unix: f.start_unix,
      end_unix: f.end_unix,
      severity: f.severity,
      sentence: f.sentence,
      recurring: f.recurring ?? null,
      verdict: f.verdict ?? null,
    };
  });
  delete ov.findings;
  return ov;
}

// ask(holding) makes the call, holding: the id of the review whose metrics are held here, or null.
async function overview(ask) {
  const ov = await ask(held ? held.id : null);
  if (!ov.metrics_kept) return hold(ov);
  if (held && held.id === ov.review_id) {
    ov.review.metrics = held.metrics;
    ov.sparklines = held.sparklines;
    return whole(ov);
  }
  // Another workspace was opened while this one was asked for: ask again, for all of it.
  held = null;
  return overview(ask);
}

const real = {
  appInfo: () => call('app_info'),
  samplePath: () => call('sample_path'),
  recentWorkspaces: () => call('recent_workspaces'),
  pickPath: (folder) => call('pick_path', { folder }),
  // onProgress({stage, done, total}) is called while the workspace loads.
  // refresh: pull again from the metrics servers what the cache took while it was still recent.
  // week: Unix seconds of a moment in the week to review (null: the last complete week).
  // zone: the zone a data file's or a folder of exports' times are in (null: the one it was last read in, else UTC).
  openWorkspace: (path, onProgress, refresh = false, week = null, zone = null) => {
    const ch = new (tauri().core.Channel)();
    ch.onmessage = onProgress;
    return call('open_workspace', { path, refresh, week, zone, onProgress: ch }).then(hold);
  },
  cancelLoad: () => call('cancel_load'),
  setSensitivity: (sensitivity) => overview((holding) => call('set_sensitivity', { sensitivity, holding })),
  teamView: (team, width) => call('team_view', { team, width: Math.round(width) }),
  // The widgets of those metrics of a team, their charts drawn (the ones a dashboard scrolled to).
  teamCharts: (team, width, metrics) => call('team_view', { team, width: Math.round(width), metrics }),
  metricDetail: (metric, o) =>
    call('metric_detail', { metric, width: Math.round(o.width), height: Math.round(o.height), lastWeek: o.lastWeek, earlierWeeks: o.earlierWeeks, lines: o.lines ?? null }),
  openLink: (url) => call('open_link', { url }),
  wheelState: (absent) => call('wheel_state', { absent }),
  wheelSpin: (absent) => call('wheel_spin', { absent }),
  wheelDecide: (decision) => call('wheel_decide', { decision }),
  // The journal's state ({token, by, at, mine}), polled to show what others wrote.
  journalChanges: () => call('journal_changes'),
  // filter: {live, status, owner, team, overdue_on}; the overview asks for {live: true}.
  actionItems: (filter = { live: true }) => call('action_items', { filter }),
  editAction: (id, draft) => call('edit_action', { id, draft }),
  addAnnotation: (draft) => call('add_annotation', { draft }),
  addAction: (draft) => call('add_action', { draft }),
  setActionStatus: (id, status) => call('set_action_status', { id, status }),
  // mark: {verdict: 'needs_action'|'expected'|'noise', reason?, note?, scope?: {scope, weeks?}}; returns the new overview.
  markFinding: (id, mark) => overview((holding) => call('mark_finding', { id, mark, holding })),
  pickDashboard: () => call('pick_dashboard'),
  // request: {sources: [file or Grafana address], team, prometheus, token_env, without_lines}; writes nothing.
  importPreview: (request) => call('import_preview', { request }),
  // request: {sources: [dashboard name or body file], region, profile, team, without_lines}; writes nothing.
  importCloudwatchPreview: (request) => call('import_cloudwatch_preview', { request }),
  // Writes the last preview (Grafana or CloudWatch) as a workspace folder and returns its path.
  importWrite: () => call('import_write'),
  // The open review's week of tickets: {summary, tickets: {problems, new_high, tickets, links, notes, failed},
  // findings}, or null when the workspace names no ticket sources.
  ticketReview: () => call('ticket_review'),
  // COEs. start: {kind: 'finding'|'ticket'|'problem', id}; a save is {title, body, status, revision} and
  // answers the stored COE (refused with code 'invalid' when someone else saved since `revision`).
  coeCreate: (start) => call('coe_create', { start }),
  coeList: () => call('coe_list'),
  coeGet: (id) => call('coe_get', { id }),
  coeSave: (id, edit) => call('coe_save', { id, edit }),
  // The meeting (each call one journal write): start or resume this week's, move, people, marks, end.
  meetingStart: () => call('meeting_start'),
  meetingSegment: (id, index) => call('meeting_segment', { id, index }),
  meetingPeople: (id, absent, presenter) => call('meeting_people', { id, absent, presenter }),
  // mark: 'discussed' | 'skipped' | 'noted'; note: text or null (keeps the note taken before).
  meetingMark: (id, finding, mark, note = null) => call('meeting_mark', { id, finding, mark, note }),
  // Ends the meeting and writes the minutes: {meeting, markdown, md_path, html_path}.
  meetingEnd: (id) => call('meeting_end', { id }),
};

// What each call is doing, for the "busy" indicator (calls not listed are quick or show their own
// progress: opening a workspace streams its stages, a file dialog is the user's own time).
const doing = {
  setSensitivity: 'Re-flagging at the new sensitivity',
  teamView: "Drawing the team's charts",
  metricDetail: 'Drawing the chart',
  wheelState: 'Reading the wheel',
  wheelSpin: 'Spinning',
  wheelDecide: 'Saving the decision',
  actionItems: 'Reading action items',
  editAction: 'Saving the action item',
  addAnnotation: 'Saving the annotation',
  addAction: 'Saving the action item',
  setActionStatus: 'Saving the status',
  markFinding: 'Saving the verdict',
  importPreview: 'Reading the dashboards',
  importWrite: 'Writing the workspace',
  ticketReview: 'Reading the tickets',
  coeCreate: 'Writing the COE draft',
  meetingStart: 'Starting the meeting',
  meetingEnd: 'Writing the minutes',
};

// Calls running for longer than BUSY_MS, newest last; listeners hear every change.
const BUSY_MS = 200;
const running = new Map();
const listeners = [];
let seq = 0;
const notify = () => listeners.forEach((f) => f([...running.values()]));

// onBusy(f): f(labels) whenever the list of calls running longer than 200 ms changes ([] when none).
export function onBusy(f) {
  listeners.push(f);
}

function tracked(name, fn) {
  return (...args) => {
    const id = ++seq;
    const timer = setTimeout(() => {
      running.set(id, doing[name]);
      notify();
    }, BUSY_MS);
    const done = () => {
      clearTimeout(timer);
      if (running.delete(id)) notify();
    };
    const p = Promise.resolve().then(() => fn(...args));
    p.then(done, done);
    return p;
  };
}

const chosen = window.__FLYWHEEL_MOCK__ || real;
export const backend = Object.fromEntries(Object.entries(chosen).map(([k, f]) => [k, doing[k] ? tracked(k, f) : f]));
