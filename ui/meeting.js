// The meeting view (key m): the agenda's segments one after the other with a countdown for the segment
// and for the meeting (amber near the end, red over time, never blocking), Next/Previous (PageDown/PageUp,
// → and ←: what presentation clickers send), presenter mode (p: full screen, large type), live capture
// on the findings (d discussed, s skipped, n note, a action item), and End, which writes the minutes.
// Every capture is one journal write: a meeting survives the app being killed and resumes.

import { actionCard, actionForm, findingDraft, reviewWeek } from './actions.js';
import { backend } from './backend.js';
import { coeList } from './coe.js';
import { clear, h, svgImage } from './dom.js';
import { expectedForm, keepingSelection, saidLabel } from './overview.js';
import { announce, app, back, errorPanel, go, sevClass, viewEl } from './shell.js';
import { drawLater, sized } from './team.js';
import { wheelView } from './wheel.js';

// How many ranked findings the "top findings" segment steps through.
const TOP = 10;

// `list`: the findings the meeting steps through, fixed when it starts (a verdict given in the meeting
// may fold one into Muted; the meeting still walks the list it started with).
const meet = { m: null, finding: 0, timer: null, presenter: false, list: [] };

const current = (m) => {
  for (let i = m.segments.length - 1; i >= 0; i--) if (m.segments[i].started_at !== null && m.segments[i].ended_at === null) return i;
  return 0;
};
const top = () => meet.list;
const markOf = (f) => meet.m.marks.find((k) => k.finding === f.id);

function clockText(seconds) {
  const s = Math.abs(Math.round(seconds));
  return `${Math.floor(s / 60)}:${String(s % 60).padStart(2, '0')}`;
}

// "4:12 left" / "1:05 over", amber in the last fifth (at most 2 minutes), red over time.
function countdown(el, plannedMin, since) {
  const left = plannedMin * 60 - (Date.now() / 1000 - since);
  el.textContent = left >= 0 ? `${clockText(left)} left` : `${clockText(left)} over`;
  el.className = 'clock ' + (left < 0 ? 'over' : left < Math.min(120, plannedMin * 12) ? 'near' : '');
}

export async function renderMeeting() {
  const root = clear(viewEl());
  if (!meet.m || meet.m.ended_at !== null || meet.m.week !== reviewWeek()) {
    try {
      meet.m = await backend.meetingStart();
      meet.finding = 0;
      meet.list = app.overview.review.findings.slice(0, TOP);
    } catch (e) {
      root.append(errorPanel(e, 'Could not start the meeting'));
      return;
    }
  }
  draw();
}

function leave() {
  clearInterval(meet.timer);
  setPresenter(false);
}

// Presenter mode follows the window (a projector's resolution): the view is drawn again for its size.
let resizing = null;
window.addEventListener('resize', () => {
  clearTimeout(resizing);
  resizing = setTimeout(() => app.view === 'meeting' && meet.m && meet.m.ended_at === null && draw(), 250);
});

function setPresenter(on) {
  meet.presenter = on;
  document.body.classList.toggle('presenter', on);
  if (on) document.documentElement.requestFullscreen?.().catch(() => {});
  else if (document.fullscreenElement) document.exitFullscreen?.().catch(() => {});
}

function draw() {
  const m = meet.m;
  const root = clear(viewEl());
  clearInterval(meet.timer);
  const idx = current(m);
  const seg = m.segments[idx];
  const segClock = h('span', { class: 'clock', 'data-testid': 'segment-clock' });
  const allClock = h('span', { class: 'clock', 'data-testid': 'meeting-clock' });
  const planned = m.segments.reduce((a, s) => a + s.segment.minutes, 0);
  const tick = () => {
    countdown(segClock, seg.segment.minutes, seg.started_at);
    countdown(allClock, planned, m.started_at);
  };
  tick();
  meet.timer = setInterval(() => (app.view === 'meeting' ? tick() : clearInterval(meet.timer)), 1000);
  const agenda = h(
    'ol',
    { class: 'agenda', 'data-testid': 'agenda' },
    m.segments.map((s, i) =>
      h('li', { class: i === idx ? 'now' : s.ended_at !== null ? 'done' : '', dataset: { kind: s.segment.kind } }, h('button', { type: 'button', class: 'link', onclick: () => moveTo(i) }, s.segment.title), h('span', { class: 'muted' }, ` ${s.segment.minutes} min`)),
    ),
  );
  const body = h('div', { class: 'segment-body', 'data-testid': 'segment-body', dataset: { kind: seg.segment.kind } });
  root.append(
    h(
      'section',
      { class: 'meeting', 'data-testid': 'meeting' },
      h(
        'header',
        { class: 'meeting-head' },
        h('div', {}, h('p', { class: 'muted' }, `Segment ${idx + 1} of ${m.segments.length} · meeting `, allClock), h('h1', { 'data-testid': 'segment-title' }, seg.segment.title, ' ', segClock)),
        h(
          'div',
          { class: 'row meeting-buttons' },
          h('button', { type: 'button', 'data-testid': 'meeting-prev', onclick: () => step(-1), 'aria-label': 'Previous (PageUp)' }, '← Previous'),
          h('button', { type: 'button', class: 'primary', 'data-testid': 'meeting-next', onclick: () => step(1), 'aria-label': 'Next (PageDown)' }, 'Next →'),
          h('button', { type: 'button', 'data-testid': 'meeting-presenter', onclick: () => { setPresenter(!meet.presenter); draw(); } }, meet.presenter ? 'Leave presenter mode' : 'Presenter mode (p)'),
          h('button', { type: 'button', 'data-testid': 'meeting-end', onclick: end }, 'End meeting'),
        ),
      ),
      h('div', { class: 'meeting-main' }, agenda, body),
    ),
  );
  const render = { actions: actionsSegment, wheel: wheelSegment, presenter: presenterSegment, findings: findingsSegment, open: openSegment, coes: coesSegment }[seg.segment.kind];
  render(body);
}

async function moveTo(i) {
  try {
    meet.m = await backend.meetingSegment(meet.m.id, i);
    meet.finding = 0;
    draw();
    announce(meet.m.segments[i].segment.title);
  } catch (e) {
    announce(e.message);
  }
}

// Next / Previous: through the findings inside the findings segment, else through the agenda.
export function step(delta) {
  const m = meet.m;
  const idx = current(m);
  if (m.segments[idx].segment.kind === 'findings') {
    const n = top().length;
    const next = meet.finding + delta;
    if (next >= 0 && next < n) {
      meet.finding = next;
      return draw();
    }
  }
  const to = idx + delta;
  if (to >= 0 && to < m.segments.length) moveTo(to);
}

function actionsSegment(body) {
  body.append(h('p', { class: 'muted' }, 'Still to do from earlier weeks, overdue first.'));
  const grid = h('div', { class: 'action-grid', 'data-testid': 'meeting-actions' });
  body.append(grid);
  backend
    .actionItems({ live: true })
    .then((items) => {
      if (!items.length) grid.append(h('p', { class: 'muted' }, 'Nothing left to do: no live action items.'));
      for (const a of items) grid.append(actionCard(a, false));
    })
    .catch((e) => grid.append(errorPanel(e, 'Could not read the action items')));
}

function wheelSegment(body) {
  wheelView(body, app, {
    announce,
    openTeam: async (team, absent) => {
      try {
        meet.m = await backend.meetingPeople(meet.m.id, absent || [], team);
        announce(`${team} presents`);
        step(1);
      } catch (e) {
        announce(e.message);
      }
    },
  });
}

async function presenterSegment(body) {
  const team = meet.m.presenter;
  if (!team) {
    body.append(h('p', { class: 'muted', 'data-testid': 'no-presenter' }, 'No team picked yet: go back to the wheel.'));
    return;
  }
  body.append(h('h2', { 'data-testid': 'presenting-team' }, team));
  const grid = h('div', { class: 'widgets', 'data-testid': 'widgets' });
  body.append(grid);
  try {
    const width = Math.max(480, body.clientWidth - 24);
    const tv = await backend.teamView(team, width);
    // A widget's chart, why it has none, or a placeholder until it is drawn (as the dashboard scrolls to it).
    const fill = (card, w) => {
      card.querySelector('.chart-img, .chart-later, p')?.remove();
      if (w.later) card.append(h('div', { class: 'chart-later muted', 'data-testid': 'widget-later' }, 'Drawing the chart…'));
      else card.append(w.chart ? sized(svgImage(w.chart.svg, `${w.name} chart`), w.chart) : h('p', {}, 'Could not be loaded: ', h('code', {}, w.error || '')));
    };
    const later = drawLater(team, width, () => grid.isConnected, fill);
    for (const w of tv.widgets) {
      const card = h('article', { class: 'card widget', 'data-testid': 'widget' }, h('header', {}, h('h3', {}, `${w.service} · ${w.name}`)));
      fill(card, w);
      if (w.later) later(card, w.metric);
      grid.append(card);
    }
  } catch (e) {
    grid.append(errorPanel(e, 'Could not show the team'));
  }
}

async function findingsSegment(body) {
  const list = top();
  if (!list.length) {
    body.append(h('p', { class: 'muted' }, 'Nothing deserves attention this week.'));
    return;
  }
  const f = list[Math.min(meet.finding, list.length - 1)];
  const k = markOf(f);
  const capture = h('div', { class: 'capture', 'aria-live': 'polite', 'data-testid': 'capture' });
  const chart = h('div', { class: 'meeting-chart', 'data-testid': 'meeting-chart' });
  body.append(
    h(
      'article',
      { class: 'meeting-finding', 'data-testid': 'meeting-finding', dataset: { id: f.id, metric: f.metric } },
      h('p', { class: 'muted' }, `Finding ${meet.finding + 1} of ${list.length} · `, h('span', { class: 'sev ' + sevClass(f) }, String(f.severity)), ` ${f.kind_label} · ${f.team} · ${f.service}`),
      h('h2', {}, f.metric_name),
      h('p', { class: 'sentence', 'data-testid': 'meeting-sentence' }, f.sentence),
      chart,
      h(
        'div',
        { class: 'row' },
        h('button', { type: 'button', 'data-testid': 'mark-discussed', onclick: () => mark(f, 'discussed') }, 'Discussed (d)'),
        h('button', { type: 'button', 'data-testid': 'mark-skipped', onclick: () => mark(f, 'skipped') }, 'Skipped (s)'),
        h('button', { type: 'button', 'data-testid': 'capture-note', onclick: () => noteForm(f, capture) }, 'Note (n)'),
        h('button', { type: 'button', 'data-testid': 'capture-action', onclick: () => actionCapture(f, capture) }, 'Action item (a)'),
        h('button', { type: 'button', class: 'link', 'data-testid': 'meeting-verdict-expected', onclick: () => verdictExpected(f, capture) }, 'Expected… (e)'),
        h('button', { type: 'button', class: 'link', 'data-testid': 'meeting-verdict-noise', onclick: () => verdict(f, { verdict: 'noise' }, capture).catch(() => {}) }, 'Noise'),
        k ? h('span', { class: 'verdict', 'data-testid': 'meeting-mark' }, k.mark + (k.note ? ` — ${k.note}` : '')) : null,
      ),
      capture,
    ),
  );
  const mine = app.rendered;
  try {
    // The chart takes the height left under the sentence (presenter mode: the whole window's rest).
    const room = window.innerHeight - chart.getBoundingClientRect().top - (meet.presenter ? 24 : 110);
    const height = Math.round(Math.max(200, Math.min(meet.presenter ? 720 : 360, room)));
    const d = await backend.metricDetail(f.metric, { width: Math.max(640, chart.clientWidth || 900), height, lastWeek: true, earlierWeeks: 0 });
    if (mine === app.rendered) chart.append(svgImage(d.chart.svg, `${d.name} chart`));
  } catch (e) {
    chart.append(errorPanel(e, 'Could not draw the chart'));
  }
}

async function mark(f, what, note = null) {
  try {
    meet.m = await backend.meetingMark(meet.m.id, f.id, what, note);
    announce(`${f.metric_name}: ${what}`);
    draw();
  } catch (e) {
    announce(e.message);
  }
}

// The room's verdict on a finding (the same as the overview's e / n / x), said from the meeting.
async function verdict(f, mark, slot) {
  let ov;
  try {
    ov = await backend.markFinding(f.id, mark);
  } catch (e) {
    clear(slot).append(errorPanel(e, 'Could not save the verdict'));
    throw e;
  }
  keepingSelection(ov);
  const label = saidLabel(ov, f.id) ?? 'expected';
  clear(slot).append(h('p', { class: 'muted', 'data-testid': 'meeting-verdict' }, `Marked ${label}${mark.verdict === 'expected' ? ' (folded into Muted from now on)' : ''}.`));
  announce(`${f.metric_name}: marked ${label}`);
}

function verdictExpected(f, slot) {
  clear(slot).append(expectedForm(f, (mark) => verdict(f, mark, slot), () => {}));
  slot.querySelector('select').focus();
}

function noteForm(f, slot) {
  const input = h('input', { type: 'text', placeholder: 'A note on this finding', 'aria-label': 'Note', 'data-testid': 'note-input' });
  const form = h('form', { class: 'row' }, input, h('button', { type: 'submit', class: 'primary', 'data-testid': 'note-save' }, 'Save note'));
  form.addEventListener('submit', (ev) => {
    ev.preventDefault();
    if (input.value.trim()) mark(f, 'noted', input.value.trim());
  });
  clear(slot).append(form);
  input.focus();
}

function actionCapture(f, slot) {
  const form = actionForm(findingDraft(f), (saved) => {
    clear(slot).append(h('p', { class: 'muted', 'data-testid': 'captured-action' }, `Action item #${saved.id} saved: ${saved.title}`));
  }, null, () => clear(slot));
  clear(slot).append(form);
  form.querySelector('input').focus();
}

// `a` outside the findings: an action item for the presenting team (or none), raised in this meeting.
function segmentAction() {
  const body = document.querySelector('[data-testid=segment-body]');
  if (!body || body.querySelector('[data-testid=action-form]')) return;
  const slot = h('div', { class: 'capture', 'data-testid': 'capture' });
  const seg = meet.m.segments[current(meet.m)].segment;
  const draft = { title: '', owner: '', due: null, details: `Raised in the meeting (${seg.title}).`, week: reviewWeek(), team: meet.m.presenter, metric: '', finding: '', range: null };
  const form = actionForm(draft, (saved) => clear(slot).append(h('p', { class: 'muted', 'data-testid': 'captured-action' }, `Action item #${saved.id} saved: ${saved.title}`)), null, () => slot.remove());
  slot.append(form);
  body.prepend(slot);
  form.querySelector('input').focus();
}

// The COEs to review: this week's and the earlier ones not yet done; each opens in the editor (Esc comes back).
function coesSegment(body) {
  coeList(h('p', { class: 'muted' }, 'No COE to review: "Write a COE" on a finding, a ticket or a problem starts one.')).then((el) => body.append(el));
}

function openSegment(body) {
  body.append(h('p', { class: 'open-floor' }, 'Anything else? New practices, lessons worth sharing, what to change in this review.'));
}

async function end() {
  try {
    const out = await backend.meetingEnd(meet.m.id);
    meet.m = out.meeting;
    leave();
    const root = clear(viewEl());
    root.append(
      h(
        'section',
        { class: 'meeting', 'data-testid': 'minutes-view' },
        h('div', { class: 'view-head' }, h('button', { type: 'button', class: 'back', onclick: () => go('overview'), 'aria-label': 'Back to the overview' }, '←'), h('h1', {}, 'Minutes')),
        h('p', { class: 'muted', 'data-testid': 'minutes-paths' }, `Written to ${out.md_path} and ${out.html_path}`),
        minutesDoc(out.doc, out.charts),
      ),
    );
    announce('The meeting ended; the minutes are written.');
  } catch (e) {
    announce(e.message);
  }
}

// The minutes as the files say them (the core's document): the agenda with what each segment took, the
// findings discussed (with their charts), skipped and noted, and the action items raised and closed.
function minutesDoc(d, charts) {
  const table = (cols, rows, testid) =>
    h('table', { class: 'minutes-table', 'data-testid': testid }, h('thead', {}, h('tr', {}, cols.map((c) => h('th', {}, c)))), h('tbody', {}, rows.map((r) => h('tr', {}, r.map((c) => h('td', {}, String(c)))))));
  return h(
    'article',
    { class: 'minutes', 'data-testid': 'minutes' },
    h('h2', {}, d.title),
    h('p', { class: 'muted' }, d.when, h('br'), h('span', { 'data-testid': 'minutes-people' }, d.people)),
    h('h3', {}, 'Agenda'),
    table(['Segment', 'Planned', 'Actual'], d.agenda.map((a) => [a.segment, a.planned, a.actual]), 'minutes-agenda'),
    d.findings.map((sec) => [
      h('h3', {}, sec.heading),
      h(
        'ul',
        { class: 'minutes-findings', dataset: { section: sec.heading } },
        sec.items.map((f) =>
          h(
            'li',
            { dataset: { metric: f.metric } },
            h('strong', {}, f.metric),
            ': ',
            f.sentence,
            f.note ? h('div', { class: 'minutes-note' }, h('em', {}, 'Note: '), f.note) : null,
            sec.charts && charts[f.metric] ? svgImage(charts[f.metric], `${f.metric}: its chart`) : null,
          ),
        ),
      ),
    ]),
    d.actions.map((sec) => [h('h3', {}, sec.heading), table(['#', 'Title', 'Owner', 'Due', 'Status', 'About'], sec.items.map((a) => [a.id, a.title, a.owner, a.due, a.status, a.about]), 'minutes-actions')]),
  );
}

// Keys while the meeting view is up; true when handled.
export function meetingKey(e) {
  if (!meet.m || meet.m.ended_at !== null) return false;
  const idx = current(meet.m);
  const f = meet.m.segments[idx].segment.kind === 'findings' ? top()[meet.finding] : null;
  switch (e.key) {
    case 'PageDown':
    case 'ArrowRight':
      step(1);
      return true;
    case 'PageUp':
    case 'ArrowLeft':
      step(-1);
      return true;
    case 'p':
      setPresenter(!meet.presenter);
      draw();
      return true;
    case 'Escape':
      if (meet.presenter) {
        setPresenter(false);
        draw();
      } else {
        leave();
        back();
      }
      return true;
    case 'd':
    case 's':
      if (!f) return false;
      mark(f, e.key === 'd' ? 'discussed' : 'skipped');
      return true;
    case 'n':
      if (!f) return false;
      noteForm(f, document.querySelector('[data-testid=capture]'));
      return true;
    case 'a':
      if (f) actionCapture(f, document.querySelector('[data-testid=capture]'));
      else segmentAction();
      return true;
    case 'e':
      if (!f) return false;
      verdictExpected(f, document.querySelector('[data-testid=capture]'));
      return true;
    default:
      return false;
  }
}
