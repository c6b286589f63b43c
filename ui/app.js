// Flywheel's UI: the views (Open, Overview, Team dashboard, Metric detail, Wheel), keyboard handling
// and the sensitivity control. Everything reaches Rust through ./backend.js; all user text is set as
// text (./dom.js), never as markup.

import { backend, onBusy } from './backend.js';
import { h, s, clear, svgImage, fmt } from './dom.js';
import { wheelView } from './wheel.js';

const app = {
  overview: null, // the Overview from the core (review document + when + sparklines)
  view: 'open',
  stack: [], // previous views, for Esc
  selected: 0, // index into the visible findings
  filters: { team: '', kind: '', severity: 0, text: '' },
  loading: false,
  readyMs: null,
  rendered: 0, // bumped by every navigation: a slow answer for a view the user has left is dropped
};

const $ = (id) => document.getElementById(id);
const viewEl = () => $('view');

export function announce(text) {
  const live = $('live');
  live.textContent = '';
  // A fresh text node makes screen readers announce it even when it repeats.
  setTimeout(() => (live.textContent = text), 30);
}

// ---------- navigation ----------

function go(view, args = {}, push = true) {
  if (push && app.view !== view) app.stack.push({ view: app.view, args: app.args });
  app.view = view;
  app.args = args;
  for (const b of document.querySelectorAll('[data-nav]')) {
    b.setAttribute('aria-current', b.dataset.nav === view ? 'page' : 'false');
    if (b.dataset.nav !== 'open') b.disabled = !app.overview;
  }
  document.body.dataset.view = view;
  app.rendered++;
  const render = { open: renderOpen, overview: renderOverview, team: renderTeam, metric: renderMetric, wheel: renderWheel }[view];
  render(args);
}

function back() {
  const prev = app.stack.pop();
  if (prev) go(prev.view, prev.args, false);
}

// ---------- errors ----------

function errorPanel(e, title = 'Could not open the workspace') {
  return h(
    'section',
    { class: 'error-panel', role: 'alert', 'data-testid': 'error', dataset: { code: e.code || 'internal' } },
    h('h2', {}, title),
    h('p', { 'data-testid': 'error-message' }, e.message || String(e)),
    e.details && e.details.length && !(e.details.length === 1 && e.details[0] === e.message) ? h('ul', { class: 'error-details', 'data-testid': 'error-details' }, e.details.map((d) => h('li', {}, h('code', {}, d)))) : null,
  );
}

// ---------- Open ----------

async function renderOpen(args = {}) {
  const root = clear(viewEl());
  const pathInput = h('input', { type: 'text', id: 'path', placeholder: '/path/to/workspace or file.csv', 'data-testid': 'path-input', spellcheck: 'false', 'aria-label': 'Workspace path' });
  const openPath = () => pathInput.value.trim() && load(pathInput.value.trim());
  pathInput.addEventListener('keydown', (e) => e.key === 'Enter' && openPath());
  const recent = h('ul', { class: 'recent', 'data-testid': 'recent' });
  root.append(
    h(
      'section',
      { class: 'open' },
      h('h1', {}, 'Open a review'),
      h('p', { class: 'muted' }, 'A workspace folder (with flywheel.toml) or a single CSV/Parquet file. The last complete week is reviewed against its seasonal history.'),
      h(
        'div',
        { class: 'open-actions' },
        h('button', { type: 'button', class: 'primary', 'data-testid': 'open-sample', onclick: async () => load(await backend.samplePath()) }, 'Open the sample workspace'),
        h('button', { type: 'button', 'data-testid': 'open-folder', onclick: () => pick(true) }, 'Open a folder…'),
        h('button', { type: 'button', 'data-testid': 'open-file', onclick: () => pick(false) }, 'Open a CSV/Parquet file…'),
      ),
      h('div', { class: 'path-row' }, pathInput, h('button', { type: 'button', 'data-testid': 'open-path', onclick: openPath }, 'Open')),
      h('div', { id: 'load-status' }),
      args.error ? errorPanel(args.error) : null,
      h('h2', {}, 'Recent'),
      recent,
    ),
  );
  try {
    const list = await backend.recentWorkspaces();
    if (!list.length) recent.append(h('li', { class: 'muted' }, 'Nothing opened yet.'));
    for (const r of list) {
      recent.append(h('li', {}, h('button', { type: 'button', class: 'link', onclick: () => load(r.path) }, r.name), ' ', h('span', { class: 'muted path' }, r.path)));
    }
  } catch (e) {
    recent.append(h('li', { class: 'muted' }, 'The recent list is unavailable: ' + e.message));
  }
}

async function pick(folder) {
  const p = await backend.pickPath(folder).catch(() => null);
  if (p) load(p);
}

async function load(path, refresh = false) {
  if (app.loading) return;
  app.loading = true;
  if (app.view !== 'open') go('open');
  const status = $('load-status');
  const bar = h('progress', { max: 1, value: 0, 'data-testid': 'progress' });
  const label = h('span', { class: 'muted' }, 'Opening ' + path + '…');
  clear(status).append(h('div', { class: 'loading' }, label, bar, h('button', { type: 'button', 'data-testid': 'cancel-load', onclick: () => backend.cancelLoad() }, 'Cancel')));
  const t0 = performance.now();
  try {
    const ov = await backend.openWorkspace(
      path,
      (p) => {
      bar.max = Math.max(1, p.total);
      bar.value = p.done;
        label.textContent = `${{ load: 'Reading files', pull: 'Pulling from Prometheus' }[p.stage] || 'Aligning series'} ${p.done}/${p.total}`;
      },
      refresh,
    );
    app.loading = false;
    app.path = path;
    app.stack = [];
    setOverview(ov, true);
    go('overview', {}, false);
    const info = await backend.appInfo();
    app.readyMs = info.uptime_ms;
    document.body.dataset.readyMs = String(Math.round(info.uptime_ms));
    document.body.dataset.openMs = String(Math.round(performance.now() - t0));
  } catch (e) {
    app.loading = false;
    if (e.code === 'superseded') return;
    clear(status);
    if (e.code === 'cancelled') status.append(h('p', { class: 'muted', 'data-testid': 'cancelled' }, 'Cancelled.'));
    else renderOpen({ error: e });
  }
}

function setOverview(ov, fresh) {
  const before = app.overview ? app.overview.review.counts.findings : null;
  app.overview = ov;
  const r = ov.review;
  $('ws-name').textContent = `${r.workspace.name} · week of ${dayLabel(r.range.start_unix)}`;
  $('sensitivity').hidden = false;
  // A workspace pulled from a metrics server can be pulled again; the title says what the last pull cost.
  const refresh = $('refresh');
  refresh.hidden = !ov.server;
  refresh.onclick = () => app.path && load(app.path, true);
  refresh.title = ov.server ? `Pull again from ${ov.server} (last time: ${ov.pull.requests} requests, ${ov.pull.cached} metrics from the cache)` : '';
  $('sens').value = String(r.sensitivity);
  $('sens-value').textContent = `${r.sensitivity}×`;
  $('sens-note').textContent = fresh || before === null ? '' : `${r.counts.findings} findings (was ${before})`;
  if (fresh) {
    app.filters = { team: '', kind: '', severity: 0, text: '' };
    Object.assign(actionFilter, { status: 'live', owner: '', team: '', overdue: false });
  }
  app.selected = 0;
}

// ---------- time ----------

function tz() {
  return app.overview ? app.overview.review.workspace.timezone : undefined;
}

function dayLabel(unix) {
  return new Date(unix * 1000).toLocaleDateString('en-GB', { timeZone: tz(), weekday: 'short', day: 'numeric', month: 'short', year: 'numeric' });
}

function timeLabel(unix) {
  return new Date(unix * 1000).toLocaleString('en-GB', { timeZone: tz(), weekday: 'short', day: 'numeric', month: 'short', hour: '2-digit', minute: '2-digit' });
}

// ---------- Overview ----------

function visibleFindings() {
  const f = app.filters;
  const text = f.text.toLowerCase();
  return app.overview.review.findings.filter(
    (x) =>
      (!f.team || x.team === f.team) &&
      (!f.kind || x.kind === f.kind) &&
      x.severity >= f.severity &&
      (!text || `${x.team} ${x.service} ${x.metric_name} ${x.kind_label} ${x.sentence}`.toLowerCase().includes(text)),
  );
}

// The colour of a finding (by its rank) and of a team: the core decides the bands.
function sevClass(f) {
  return 'sev-' + (app.overview.bands[f.rank - 1] || 'low');
}
function teamClass(name) {
  return 'sev-' + (app.overview.team_bands[name] || 'low');
}

function sparkline(values, width = 120, height = 30) {
  const finite = values.filter((v) => v !== null);
  const svg = s('svg', { class: 'spark', width, height, viewBox: `0 0 ${width} ${height}`, 'aria-hidden': 'true' });
  if (!finite.length) return svg;
  const lo = Math.min(...finite);
  const hi = Math.max(...finite);
  const span = hi - lo || 1;
  let d = '';
  let pen = false;
  values.forEach((v, i) => {
    if (v === null) return (pen = false);
    const x = (i / Math.max(1, values.length - 1)) * (width - 2) + 1;
    const y = height - 2 - ((v - lo) / span) * (height - 4);
    d += `${pen ? 'L' : 'M'}${x.toFixed(1)} ${y.toFixed(1)} `;
    pen = true;
  });
  svg.append(s('path', { d, fill: 'none', stroke: 'currentColor', 'stroke-width': 1.5 }));
  return svg;
}

function findingRow(f, i, selected) {
  const spark = app.overview.sparklines[f.metric];
  return h(
    'li',
    {
      class: 'finding' + (selected ? ' selected' : ''),
      role: 'option',
      'aria-selected': selected ? 'true' : 'false',
      'data-testid': 'finding',
      dataset: { rank: f.rank, kind: f.kind, metric: f.metric, team: f.team },
      onclick: () => {
        app.selected = i;
        openFinding(f);
      },
    },
    h('span', { class: 'sev ' + sevClass(f), title: 'severity ' + f.severity + ' of 100' }, String(f.severity)),
    h(
      'div',
      { class: 'finding-main' },
      h('div', { class: 'finding-head' }, h('span', { class: 'kind kind-' + f.kind }, f.kind_label), h('span', { class: 'subject' }, `${f.team} · ${f.service} · ${f.metric_name}${f.instance ? ' · ' + f.instance : ''}`)),
      h('div', { class: 'sentence', 'data-testid': 'sentence' }, f.sentence),
    ),
    h('span', { class: 'when' }, app.overview.when[f.rank - 1] || ''),
    spark ? sparkline(spark) : h('span', { class: 'spark' }),
  );
}

function openFinding(f) {
  if (f.kind === 'source_error') go('team', { team: f.team, focus: f.metric });
  else go('metric', { metric: f.metric, rank: f.rank });
}

function renderOverview() {
  const r = app.overview.review;
  const root = clear(viewEl());
  const f = app.filters;
  const failed = r.metrics.filter((m) => m.status === 'error');
  const teams = r.workspace.teams;
  const kinds = Object.entries(r.counts.by_kind).filter(([, n]) => n > 0);
  const search = h('input', { type: 'search', id: 'filter-text', placeholder: 'Filter (press /)', value: f.text, 'data-testid': 'filter-text', 'aria-label': 'Filter findings' });
  const list = h('ol', { class: 'findings', role: 'listbox', 'aria-label': 'Ranked findings', 'data-testid': 'findings', tabindex: '0' });
  const count = h('span', { 'data-testid': 'finding-count' });
  const refill = () => {
    const vis = visibleFindings();
    app.selected = Math.min(app.selected, Math.max(0, vis.length - 1));
    clear(list).append(...vis.map((x, i) => findingRow(x, i, i === app.selected)));
    if (!vis.length) list.append(h('li', { class: 'muted empty' }, r.findings.length ? 'No finding matches the filters.' : 'Nothing deserves attention this week.'));
    count.textContent = String(r.counts.findings);
    count.dataset.visible = String(vis.length);
  };
  search.addEventListener('input', () => {
    f.text = search.value;
    refill();
  });
  const select = (label, key, options) => {
    const el = h('select', { 'aria-label': label, 'data-testid': 'filter-' + key }, options.map(([v, t]) => h('option', { value: v, selected: String(f[key]) === String(v) }, t)));
    el.addEventListener('change', () => {
      f[key] = key === 'severity' ? Number(el.value) : el.value;
      refill();
    });
    return el;
  };
  root.append(
    h(
      'section',
      { class: 'overview' },
      h(
        'div',
        { class: 'summary' },
        h('h1', {}, count, ' findings'),
        h('p', { class: 'muted' }, `${r.counts.metrics} metrics · ${dayLabel(r.range.start_unix)} – ${dayLabel(r.range.end_unix - 1)} (${r.workspace.timezone}) · ${r.range.note}`),
      ),
      failed.length
        ? h(
            'div',
            { class: 'source-errors', 'data-testid': 'source-errors' },
            failed.map((m) => h('div', { class: 'card error-card', 'data-testid': 'source-error' }, h('strong', {}, `${m.team} · ${m.name} could not be loaded`), h('code', {}, m.error || ''))),
          )
        : null,
      h('section', { class: 'actions', id: 'previous-actions', 'data-testid': 'previous-actions', hidden: true }),
      h(
        'div',
        { class: 'teams', role: 'list', 'aria-label': 'Teams' },
        teams.map((t) =>
          h(
            'button',
            { type: 'button', role: 'listitem', class: 'team-chip ' + (t.findings ? 'chip-' + teamClass(t.name) : 'quiet'), 'data-testid': 'team-chip', dataset: { team: t.name }, onclick: () => go('team', { team: t.name }) },
            h('span', { class: 'team-name' }, t.name),
            h('span', { class: 'team-count' }, String(t.findings)),
          ),
        ),
      ),
      h(
        'div',
        { class: 'filters' },
        search,
        select('Team', 'team', [['', 'All teams'], ...teams.map((t) => [t.name, t.name])]),
        select('Kind', 'kind', [['', 'All kinds'], ...kinds.map(([k, n]) => [k, `${k.replaceAll('_', ' ')} (${n})`])]),
        select('Severity', 'severity', [[0, 'Any severity'], [40, '40 and up'], [70, '70 and up']]),
      ),
      list,
      r.warnings.length
        ? h('details', { class: 'warnings' }, h('summary', {}, `Input notes (${r.warnings.length})`), h('ul', {}, r.warnings.map((w) => h('li', {}, `${w.metric}: ${w.message} (${w.file})`))))
        : null,
    ),
  );
  refill();
  app.refill = refill;
  showPreviousActions();
}

const STATUSES = [['open', 'open'], ['in_progress', 'in progress'], ['done', 'done'], ['dropped', 'dropped']];

// Which action items the overview lists: by default the ones still to do (open, in progress).
const actionFilter = { status: 'live', owner: '', team: '', overdue: false };
const FILTER_STATUSES = [['live', 'still to do'], ...STATUSES, ['all', 'any status']];

function filterArg() {
  const f = actionFilter;
  return {
    live: f.status === 'live',
    status: STATUSES.some(([v]) => v === f.status) ? f.status : null,
    owner: f.owner.trim() || null,
    team: f.team || null,
    overdue: f.overdue,
  };
}

function filterIsDefault() {
  return actionFilter.status === 'live' && !actionFilter.owner.trim() && !actionFilter.team && !actionFilter.overdue;
}

function actionFilterBar() {
  const refresh = (key, value) => {
    actionFilter[key] = value;
    showPreviousActions();
  };
  const status = h('select', { 'aria-label': 'Status filter', 'data-testid': 'action-filter-status' }, FILTER_STATUSES.map(([v, t]) => h('option', { value: v, selected: v === actionFilter.status }, t)));
  status.addEventListener('change', () => refresh('status', status.value));
  const owner = h('input', { type: 'search', placeholder: 'owner', value: actionFilter.owner, 'aria-label': 'Owner filter', 'data-testid': 'action-filter-owner' });
  owner.addEventListener('change', () => refresh('owner', owner.value));
  const teams = app.overview.review.workspace.teams.map((t) => t.name);
  const team = h('select', { 'aria-label': 'Team filter', 'data-testid': 'action-filter-team' }, [h('option', { value: '' }, 'every team'), ...teams.map((t) => h('option', { value: t, selected: t === actionFilter.team }, t))]);
  team.addEventListener('change', () => refresh('team', team.value));
  const overdue = h('input', { type: 'checkbox', checked: actionFilter.overdue, 'data-testid': 'action-filter-overdue' });
  overdue.addEventListener('change', () => refresh('overdue', overdue.checked));
  return h('div', { class: 'filters action-filters' }, status, owner, team, h('label', { class: 'toggle' }, overdue, ' overdue only'));
}

// The action items still to do, overdue first, each with the chart it was raised on.
async function showPreviousActions() {
  const box = $('previous-actions');
  if (!box) return;
  let items;
  try {
    items = await backend.actionItems(filterArg());
  } catch (e) {
    box.hidden = false;
    clear(box).append(h('p', { class: 'muted' }, 'Action items are unavailable: ' + e.message));
    return;
  }
  box.hidden = !items.length && filterIsDefault();
  const heading = actionFilter.status === 'live' ? 'Previous action items' : 'Action items';
  clear(box).append(h('div', { class: 'actions-head' }, h('h2', {}, `${heading} (`, h('span', { 'data-testid': 'action-count' }, String(items.length)), ')'), actionFilterBar()));
  if (!items.length) box.append(h('p', { class: 'muted' }, 'No action item matches these filters.'));
  const grid = h('div', { class: 'action-grid' });
  box.append(grid);
  for (const a of items) grid.append(actionCard(a, true));
}

function actionCard(a, withChart) {
  const overdue = a.overdue; // decided by the core
  const status = h('select', { 'aria-label': 'Status of ' + a.title, 'data-testid': 'action-status' }, STATUSES.map(([v, t]) => h('option', { value: v, selected: v === a.status }, t)));
  status.addEventListener('change', async () => {
    try {
      await backend.setActionStatus(a.id, status.value);
      a.status = status.value;
      announce(`${a.title}: ${status.value.replace('_', ' ')}`);
    } catch (e) {
      announce(e.message);
      status.value = a.status;
    }
  });
  const about = [a.team, a.metric].filter(Boolean).join(' · ');
  const edit = h('button', { type: 'button', class: 'link', 'data-testid': 'action-edit', 'aria-label': 'Edit ' + a.title }, 'Edit');
  const card = h(
    'article',
    { class: 'card action' + (overdue ? ' overdue' : ''), 'data-testid': 'action-item', dataset: { id: a.id } },
    h('header', {}, h('strong', { 'data-testid': 'action-title' }, a.title), status),
    h('p', { class: 'muted' }, h('span', { 'data-testid': 'action-owner' }, a.owner || 'unassigned'), a.due ? ' · due ' + a.due : '', overdue ? h('b', { class: 'overdue-tag' }, ' overdue') : null, about ? ' · ' + about : '', ` · raised in the week of ${a.week} · `, edit),
    a.details ? h('p', {}, a.details) : null,
  );
  edit.addEventListener('click', () => {
    const form = actionForm(
      { ...a, range: a.range || null },
      (saved) => form.replaceWith(actionCard(saved, withChart)),
      a.id,
      () => form.replaceWith(card),
    );
    card.replaceWith(form);
    form.querySelector('input').focus();
  });
  if (withChart && a.metric && app.overview.review.metrics.some((m) => m.id === a.metric && m.status === 'ok')) {
    const slot = h('div', { class: 'action-chart' });
    card.append(slot);
    backend
      .metricDetail(a.metric, { width: 560, height: 170, lastWeek: false, earlierWeeks: 0 })
      .then((d) => slot.append(h('button', { type: 'button', class: 'chart-button', onclick: () => go('metric', { metric: a.metric }), 'aria-label': 'Open ' + d.name }, svgImage(d.chart.svg, d.name + ' chart'))))
      .catch(() => {});
  }
  return card;
}

function reviewWeek() {
  return app.overview.review.range.start.slice(0, 10);
}

// A new action item's starting point, from a finding: one click, everything prefilled.
function findingDraft(f) {
  return { title: `${f.kind_label}: ${f.service} ${f.metric_name}`, owner: '', due: null, details: f.sentence, week: reviewWeek(), team: f.team, metric: f.metric, finding: f.id, range: [f.start_unix, f.end_unix] };
}

// The form that raises an action item from `base` (a finding's or a chart range's draft), or edits item
// `id`. `onCancel` (optional) puts back what the form replaced.
function actionForm(base, onSaved, id = null, onCancel = null) {
  const title = h('input', { type: 'text', value: base.title, 'aria-label': 'Title', 'data-testid': 'action-form-title' });
  const owner = h('input', { type: 'text', placeholder: 'owner', value: base.owner || '', 'aria-label': 'Owner', 'data-testid': 'action-form-owner' });
  const due = h('input', { type: 'date', value: base.due || '', 'aria-label': 'Due date', 'data-testid': 'action-form-due' });
  const details = h('textarea', { rows: 2, placeholder: 'details', 'aria-label': 'Details' }, base.details || '');
  const msg = h('p', { class: 'muted', role: 'status' });
  const cancel = onCancel ? h('button', { type: 'button', onclick: onCancel }, 'Cancel') : null;
  const form = h(
    'form',
    { class: 'action-form', 'data-testid': 'action-form' },
    title,
    h('div', { class: 'row' }, owner, due),
    details,
    h('div', { class: 'row' }, h('button', { type: 'submit', class: 'primary', 'data-testid': 'action-form-save' }, id ? 'Save changes' : 'Save action item'), cancel, msg),
  );
  form.addEventListener('keydown', (ev) => {
    if (ev.key === 'Escape' && onCancel) {
      ev.stopPropagation();
      onCancel();
    }
  });
  form.addEventListener('submit', async (ev) => {
    ev.preventDefault();
    const draft = { ...base, title: title.value, owner: owner.value, due: due.value || null, details: details.value };
    try {
      const saved = id ? await backend.editAction(id, draft) : await backend.addAction(draft);
      announce(`Action item saved: ${saved.title}`);
      onSaved(saved);
    } catch (e) {
      msg.textContent = e.message;
    }
  });
  return form;
}

function moveSelection(delta) {
  const vis = visibleFindings();
  if (!vis.length) return;
  app.selected = Math.max(0, Math.min(vis.length - 1, app.selected + delta));
  const rows = document.querySelectorAll('.finding');
  rows.forEach((r, i) => {
    r.classList.toggle('selected', i === app.selected);
    r.setAttribute('aria-selected', i === app.selected ? 'true' : 'false');
  });
  rows[app.selected]?.scrollIntoView({ block: 'nearest' });
}

// ---------- Team dashboard ----------

async function renderTeam({ team, focus }) {
  const root = clear(viewEl());
  const r = app.overview.review;
  const info = r.workspace.teams.find((t) => t.name === team);
  const head = h(
    'div',
    { class: 'view-head' },
    h('button', { type: 'button', class: 'back', onclick: back, 'aria-label': 'Back' }, '←'),
    h('h1', { 'data-testid': 'team-title' }, team),
    info && info.dashboard ? h('button', { type: 'button', class: 'link', 'data-testid': 'team-dashboard-link', onclick: () => backend.openLink(info.dashboard).catch((e) => announce(e.message)) }, 'Open dashboard ↗') : null,
  );
  const grid = h('div', { class: 'widgets', 'data-testid': 'widgets' });
  const side = h('aside', { class: 'team-findings', 'aria-label': 'Findings of ' + team });
  root.append(h('section', { class: 'team' }, head, h('div', { class: 'team-body' }, grid, side)));
  const findings = r.findings.filter((f) => f.team === team);
  side.append(h('h2', {}, `${findings.length} finding${findings.length === 1 ? '' : 's'}`));
  for (const f of findings) {
    side.append(
      h(
        'button',
        {
          type: 'button',
          class: 'side-finding',
          'data-testid': 'team-finding',
          dataset: { metric: f.metric },
          onclick: () => highlight(f.metric),
        },
        h('span', { class: 'sev ' + sevClass(f) }, String(f.severity)),
        h('span', {}, h('strong', {}, f.kind_label), ' · ', f.metric_name, h('br'), h('span', { class: 'muted' }, f.sentence)),
      ),
    );
  }
  const waiting = h('p', { class: 'muted', 'data-testid': 'widgets-waiting' }, 'Drawing the charts…');
  grid.append(waiting);
  const mine = app.rendered;
  let tv;
  try {
    tv = await backend.teamView(team, Math.max(480, grid.clientWidth - 24));
  } catch (e) {
    waiting.remove();
    grid.append(errorPanel(e, 'Could not show this team'));
    return;
  }
  if (mine !== app.rendered) return;
  waiting.remove();
  for (const w of tv.widgets) {
    const card = h(
      'article',
      { class: 'card widget' + (w.findings.length ? ' flagged' : ''), id: 'w-' + w.metric, 'data-testid': 'widget', dataset: { metric: w.metric, alarm: w.alarm ?? '', investigation: w.investigation ?? '' } },
      h('header', {}, h('h3', {}, `${w.service} · ${w.name}`), h('span', { class: 'lines muted' }, `alarm ${fmt(w.alarm, w.unit)} · investigation ${fmt(w.investigation, w.unit)}`)),
    );
    if (w.chart) {
      const img = svgImage(w.chart.svg, `${w.name} chart`);
      img.dataset.testid = 'widget-chart';
      card.append(h('button', { type: 'button', class: 'chart-button', onclick: () => go('metric', { metric: w.metric }), 'aria-label': 'Open ' + w.name }, img));
    } else {
      card.classList.add('error-card');
      card.append(h('p', { 'data-testid': 'source-error' }, 'Could not be loaded: ', h('code', {}, w.error || 'unknown error')));
    }
    grid.append(card);
  }
  if (focus) highlight(focus);
}

function highlight(metric) {
  const el = document.getElementById('w-' + metric);
  if (!el) return;
  el.scrollIntoView({ block: 'center', behavior: matchMedia('(prefers-reduced-motion: reduce)').matches ? 'auto' : 'smooth' });
  document.querySelectorAll('.widget.highlight').forEach((x) => x.classList.remove('highlight'));
  el.classList.add('highlight');
}

// ---------- Metric detail ----------

async function renderMetric({ metric, rank, lastWeek = true, earlierWeeks = 0 }) {
  const root = clear(viewEl());
  const box = h('div', { class: 'detail-chart', 'data-testid': 'detail-chart' });
  const side = h('div', { class: 'detail-side' });
  root.append(h('section', { class: 'metric' }, h('div', { class: 'view-head', id: 'detail-head' }, h('button', { type: 'button', class: 'back', onclick: back, 'aria-label': 'Back' }, '←')), box, side));
  const width = Math.max(640, box.clientWidth);
  const height = Math.max(320, Math.min(520, window.innerHeight - 330));
  const mine = app.rendered;
  let d;
  try {
    d = await backend.metricDetail(metric, { width, height, lastWeek, earlierWeeks });
  } catch (e) {
    box.append(errorPanel(e, 'Could not show this metric'));
    return;
  }
  if (mine !== app.rendered) return;
  const head = $('detail-head');
  const again = (o) => go('metric', { metric, rank, lastWeek, earlierWeeks, ...o }, false);
  const lw = h('input', { type: 'checkbox', checked: lastWeek, 'data-testid': 'toggle-last-week' });
  lw.addEventListener('change', () => again({ lastWeek: lw.checked }));
  const ew = h(
    'select',
    { 'aria-label': 'Earlier weeks', 'data-testid': 'earlier-weeks' },
    Array.from({ length: Math.max(0, d.history_weeks - 1) + 1 }, (_, k) => h('option', { value: k, selected: k === earlierWeeks }, k === 0 ? 'no earlier weeks' : `${k} earlier week${k === 1 ? '' : 's'}`)),
  );
  ew.addEventListener('change', () => again({ earlierWeeks: Number(ew.value) }));
  head.append(
    h('h1', { 'data-testid': 'metric-title' }, d.name),
    h('button', { type: 'button', class: 'link', onclick: () => go('team', { team: d.team, focus: d.metric }) }, d.team),
    h('span', { class: 'muted' }, d.service),
    h('label', { class: 'toggle' }, lw, ' last week'),
    ew,
  );
  const img = svgImage(d.chart.svg, d.name + ' chart');
  const cross = h('div', { class: 'crosshair', hidden: true });
  const dot = h('div', { class: 'dot', hidden: true });
  const readout = h('div', { class: 'readout', hidden: true, 'data-testid': 'readout', role: 'status' });
  box.append(h('div', { class: 'chart-stage' }, img, cross, dot, readout));
  const stage = box.firstChild;
  stage.addEventListener('mousemove', (ev) => hover(ev, stage, d, cross, dot, readout));
  stage.addEventListener('mouseleave', () => [cross, dot, readout].forEach((x) => (x.hidden = true)));
  const pickSlot = h('div', { class: 'range-pick', 'data-testid': 'range-pick' });
  dragToSelect(stage, d, (t0, t1) => showRangePick(pickSlot, d, t0, t1, () => again({})));

  const findings = app.overview.review.findings.filter((f) => f.metric === metric);
  side.append(h('p', { class: 'muted' }, 'Baseline: ', d.baseline, h('br'), 'Drag across the chart to annotate a range or raise an action item on it.'), pickSlot);
  if (d.annotations.length) {
    side.append(
      h(
        'section',
        { class: 'notes', 'data-testid': 'annotations' },
        h('h2', {}, 'Notes'),
        h('ul', {}, d.annotations.map((a) => h('li', { 'data-testid': 'annotation' }, h('span', { class: 'muted' }, `${timeLabel(a.start)} – ${timeLabel(a.end)} `), h('span', { 'data-testid': 'annotation-note' }, a.note)))),
      ),
    );
  }
  for (const f of findings) {
    side.append(
      h(
        'article',
        { class: 'card evidence' + (f.rank === rank ? ' highlight' : ''), 'data-testid': 'evidence' },
        h('header', {}, h('span', { class: 'sev ' + sevClass(f) }, String(f.severity)), h('strong', {}, f.kind_label), h('span', { class: 'muted' }, ' · ' + (app.overview.when[f.rank - 1] || ''))),
        h('p', {}, f.sentence),
        h('button', {
          type: 'button',
          class: 'link',
          'data-testid': 'raise-action',
          onclick: (ev) => {
            const card = ev.target.closest('article');
            ev.target.remove();
            const form = actionForm(findingDraft(f), (saved) => form.replaceWith(actionCard(saved, false)));
            card.append(form);
            form.querySelector('input').focus();
          },
        }, '+ Action item'),
        h('dl', {}, Object.entries(f.evidence).flatMap(([k, v]) => [h('dt', {}, k.replaceAll('_', ' ')), h('dd', {}, Array.isArray(v) ? v.map((x) => fmt(x, '')).join(', ') : typeof v === 'number' ? fmt(v, '') : String(v))])),
      ),
    );
  }
  if (!findings.length) side.append(h('p', { class: 'muted' }, 'No findings on this metric this week.'));
}

// Time (Unix seconds, snapped to the review grid) under a client x on the chart, or null off the plot.
function chartTime(clientX, stage, d) {
  const g = d.chart.geometry;
  const rect = stage.querySelector('img').getBoundingClientRect();
  const x = (clientX - rect.left) * (g.width / rect.width);
  if (x < g.left || x > g.right) return null;
  const t = g.t_start + ((x - g.left) / (g.right - g.left)) * (g.t_end - g.t_start);
  return d.start + Math.round((t - d.start) / d.step) * d.step;
}

// Press, drag across the chart and let go: `onPick(t0, t1)` gets the range (at least one step).
function dragToSelect(stage, d, onPick) {
  const band = h('div', { class: 'selection', hidden: true, 'data-testid': 'selection' });
  stage.append(band);
  let from = null;
  const xOf = (clientX) => clientX - stage.getBoundingClientRect().left;
  // The window listens only while a drag is under way, so re-drawing the chart never piles up listeners.
  const move = (ev) => {
    const a = Math.min(from, ev.clientX);
    const b = Math.max(from, ev.clientX);
    band.hidden = b - a < 3;
    band.style.left = xOf(a) + 'px';
    band.style.width = b - a + 'px';
  };
  const up = (ev) => {
    window.removeEventListener('mousemove', move);
    window.removeEventListener('mouseup', up);
    const start = from;
    from = null;
    if (Math.abs(ev.clientX - start) < 4 || !stage.isConnected) return (band.hidden = true);
    const g = d.chart.geometry;
    const rect = stage.querySelector('img').getBoundingClientRect();
    const clamp = (x) => Math.min(rect.left + (g.right * rect.width) / g.width, Math.max(rect.left + (g.left * rect.width) / g.width, x));
    let t0 = chartTime(clamp(Math.min(start, ev.clientX)), stage, d);
    let t1 = chartTime(clamp(Math.max(start, ev.clientX)), stage, d);
    if (t0 === null || t1 === null) return (band.hidden = true);
    if (t1 <= t0) t1 = t0 + d.step;
    onPick(t0, t1);
  };
  stage.addEventListener('mousedown', (ev) => {
    if (ev.button !== 0 || chartTime(ev.clientX, stage, d) === null) return;
    ev.preventDefault();
    from = ev.clientX;
    band.hidden = true;
    window.addEventListener('mousemove', move);
    window.addEventListener('mouseup', up);
  });
}

// What to do with a range dragged across a metric's chart: annotate it or raise an action item on it.
function showRangePick(slot, d, t0, t1, redraw) {
  const label = `${timeLabel(t0)} – ${timeLabel(t1)}`;
  const note = h('textarea', { rows: 2, placeholder: 'What happened here?', 'aria-label': 'Note', 'data-testid': 'annotation-note-input' });
  const msg = h('p', { class: 'muted', role: 'status' });
  const annotate = h(
    'form',
    { class: 'action-form', 'data-testid': 'annotation-form' },
    note,
    h('div', { class: 'row' }, h('button', { type: 'submit', class: 'primary', 'data-testid': 'annotation-save' }, 'Save note'), msg),
  );
  annotate.addEventListener('submit', async (ev) => {
    ev.preventDefault();
    try {
      await backend.addAnnotation({ metric: d.metric, start: t0, end: t1, note: note.value });
      announce(`Note saved on ${d.name}, ${label}`);
      redraw();
    } catch (e) {
      msg.textContent = e.message;
    }
  });
  const raise = h('button', {
    type: 'button',
    class: 'link',
    'data-testid': 'range-action',
    onclick: () => {
      const draft = { title: `${d.service} ${d.name}: `, owner: '', due: null, details: `Raised on the chart, ${label}.`, week: reviewWeek(), team: d.team, metric: d.metric, finding: '', range: [t0, t1] };
      const form = actionForm(draft, (saved) => form.replaceWith(actionCard(saved, false)), null, () => clear(slot));
      clear(slot).append(h('h2', {}, 'Action item on ' + label), form);
      form.querySelector('input').focus();
    },
  }, '+ Action item on this range');
  clear(slot).append(h('article', { class: 'card' }, h('header', {}, h('strong', { 'data-testid': 'range-label' }, label), h('button', { type: 'button', class: 'link', onclick: () => clear(slot) }, 'Clear')), annotate, raise));
  note.focus();
}

function hover(ev, stage, d, cross, dot, readout) {
  const t = chartTime(ev.clientX, stage, d);
  if (t === null) return [cross, dot, readout].forEach((e) => (e.hidden = true));
  const g = d.chart.geometry;
  const rect = stage.querySelector('img').getBoundingClientRect();
  const sx = g.width / rect.width;
  const sy = g.height / rect.height;
  const j = Math.max(0, Math.min(d.values.length - 1, Math.round((t - d.start) / d.step)));
  const tj = d.start + j * d.step;
  const px = (g.left + ((tj - g.t_start) / (g.t_end - g.t_start)) * (g.right - g.left)) / sx;
  cross.hidden = false;
  cross.style.left = px + 'px';
  cross.style.top = g.top / sy + 'px';
  cross.style.height = (g.bottom - g.top) / sy + 'px';
  const v = d.values[j];
  if (v !== null) {
    dot.hidden = false;
    dot.style.left = px + 'px';
    dot.style.top = (g.top + ((g.y_max - v) / (g.y_max - g.y_min)) * (g.bottom - g.top)) / sy + 'px';
  } else dot.hidden = true;
  const dist = (line) => (line === null || line === undefined || v === null ? '—' : `${fmt(v - line, d.unit)} ${v >= line ? 'above' : 'below'}`);
  clear(readout).append(
    h('strong', {}, timeLabel(tj)),
    h('dl', {}, [
      ['value', fmt(v, d.unit)],
      ['expected', fmt(d.expected[j], d.unit)],
      ['band', `${fmt(d.lower[j], d.unit)} – ${fmt(d.upper[j], d.unit)}`],
      ['last week', fmt(d.last_week[j], d.unit)],
      ['to alarm', dist(d.alarm)],
      ['to investigation', dist(d.investigation)],
    ].flatMap(([k, val]) => [h('dt', {}, k), h('dd', {}, val)])),
  );
  readout.hidden = false;
  const right = px > stage.clientWidth * 0.6;
  readout.style.left = right ? '' : px + 14 + 'px';
  readout.style.right = right ? stage.clientWidth - px + 14 + 'px' : '';
}

// ---------- Wheel ----------

function renderWheel() {
  wheelView(clear(viewEl()), app, { announce, openTeam: (team) => go('team', { team }) });
}

// ---------- sensitivity ----------

function setupSensitivity() {
  const input = $('sens');
  let timer = null;
  input.addEventListener('input', () => {
    $('sens-value').textContent = `${input.value}×`;
    clearTimeout(timer);
    timer = setTimeout(async () => {
      try {
        const ov = await backend.setSensitivity(Number(input.value));
        setOverview(ov, false);
        announce(`${ov.review.counts.findings} findings at sensitivity ${input.value}`);
        if (app.view === 'overview') renderOverview();
        else if (app.view === 'team' || app.view === 'metric') go(app.view, app.args, false);
      } catch (e) {
        announce(e.message);
      }
    }, 150);
  });
}

// ---------- keyboard ----------

function onKey(e) {
  const typing = e.target instanceof HTMLInputElement && !['checkbox', 'range'].includes(e.target.type);
  const inSelect = e.target instanceof HTMLSelectElement;
  if (e.key === 'Escape') {
    if ($('winner').open) return; // the dialog handles its own Esc
    if (typing && e.target.value) {
      e.target.value = '';
      e.target.dispatchEvent(new Event('input'));
      return;
    }
    if (typing) e.target.blur();
    else back();
    e.preventDefault();
    return;
  }
  if (typing || inSelect || e.ctrlKey || e.metaKey || e.altKey) return;
  if (app.view === 'overview') {
    if (e.key === 'j' || e.key === 'ArrowDown') moveSelection(1);
    else if (e.key === 'k' || e.key === 'ArrowUp') moveSelection(-1);
    else if (e.key === 'Enter') {
      const f = visibleFindings()[app.selected];
      if (f) openFinding(f);
    } else if (e.key === '/') $('filter-text')?.focus();
    else return;
    e.preventDefault();
  }
}

// ---------- start ----------

async function start() {
  for (const b of document.querySelectorAll('[data-nav]')) {
    b.addEventListener('click', () => b.dataset.nav === 'open' ? go('open') : app.overview && go(b.dataset.nav));
  }
  document.addEventListener('keydown', onKey);
  // Anything that takes longer than 200 ms says so; the window keeps answering meanwhile.
  onBusy((labels) => {
    const el = $('busy');
    el.hidden = !labels.length;
    el.textContent = labels.length ? labels[labels.length - 1] + '…' : '';
    document.body.toggleAttribute('aria-busy', labels.length > 0);
  });
  setupSensitivity();
  go('open', {}, false);
  try {
    const info = await backend.appInfo();
    if (info.open_at_start) load(info.open_at_start);
  } catch (e) {
    renderOpen({ error: e });
  }
}

start();
