// The Overview: the ranked findings with filters, team chips, sparklines and keyboard selection.

import { showPreviousActions } from './actions.js';
import { backend } from './backend.js';
import { clear, h, s, svgImage } from './dom.js';
import { setOverview } from './open.js';
import { announce, app, dayLabel, go, sevClass, teamClass, viewEl } from './shell.js';
import { ticketChips } from './tickets.js';
import { Windowed } from './windowed.js';

// ---------- Overview ----------

// The ranked findings, with the muted ones in place (by severity, a muted one after an equal finding)
// when the user asked to see them.
function listed() {
  const r = app.overview.review;
  if (!app.showMuted || !r.muted.length) return r.findings;
  const muted = r.muted.map((m) => ({ ...m, muted: { reason: m.reason, by: m.by } }));
  return [...r.findings, ...muted].sort((a, b) => b.severity - a.severity || (a.muted ? 1 : 0) - (b.muted ? 1 : 0));
}

export function visibleFindings() {
  const f = app.filters;
  const text = f.text.toLowerCase();
  return listed().filter(
    (x) =>
      (!f.team || x.team === f.team) &&
      (!f.kind || x.kind === f.kind) &&
      x.severity >= f.severity &&
      (!text || `${x.team} ${x.service} ${x.metric_name} ${x.kind_label} ${x.sentence}`.toLowerCase().includes(text)),
  );
}

// The colour of a finding (by its rank) and of a team: the core decides the bands.
export function sparkline(values, width = 120, height = 30) {
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

export function findingRow(f, i, selected) {
  const spark = app.overview.sparklines[f.metric];
  return h(
    'li',
    {
      class: 'finding' + (selected ? ' selected' : '') + (f.muted ? ' muted-row' : ''),
      role: 'option',
      'aria-selected': selected ? 'true' : 'false',
      'data-testid': 'finding',
      dataset: { rank: f.rank ?? '', kind: f.kind, metric: f.metric, team: f.team, muted: f.muted ? 'true' : 'false' },
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
      marks(f),
    ),
    h('span', { class: 'when' }, f.muted ? f.when : app.overview.when[f.rank - 1] || ''),
    spark ? sparkline(spark) : h('span', { class: 'spark' }),
  );
}

// What the room said and what keeps coming back, under the sentence (nothing when neither).
function marks(f) {
  const tickets = f.muted ? null : ticketChips(f);
  if (!f.recurring && !f.verdict && !f.muted && !tickets) return null;
  return h(
    'div',
    { class: 'marks' },
    tickets,
    f.muted ? h('span', { class: 'verdict', 'data-testid': 'muted-mark' }, `muted — ${f.muted.reason}, said by ${f.muted.by}`) : null,
    f.recurring ? h('span', { class: 'recurring', 'data-testid': 'recurring', title: 'Flagged in the weeks of ' + f.recurring.weeks.join(', ') }, `↻ recurring · ${f.recurring.weeks.length} of the last ${f.recurring.of} weeks`) : null,
    f.verdict ? h('span', { class: 'verdict verdict-' + f.verdict.verdict, 'data-testid': 'verdict' }, `${f.verdict.label} · ${f.verdict.by}`) : null,
  );
}

// The findings an "expected" verdict folded away: at the end, with why and who said so.
function mutedGroup(r) {
  if (!r.muted.length) return null;
  const toggle = h(
    'button',
    {
      type: 'button',
      class: 'link',
      'data-testid': 'show-muted',
      onclick: () => {
        app.showMuted = !app.showMuted;
        renderOverview();
      },
    },
    app.showMuted ? 'Fold them away again' : 'Show them in place',
  );
  if (app.showMuted) return h('p', { class: 'muted-group', 'data-testid': 'muted' }, `Muted (${r.muted.length}) shown in place. `, toggle);
  return h(
    'details',
    { class: 'muted-group', 'data-testid': 'muted' },
    h('summary', {}, `Muted (${r.muted.length}) — marked expected`),
    toggle,
    h(
      'ul',
      {},
      r.muted.map((m) =>
        h('li', { 'data-testid': 'muted-finding' }, h('span', { class: 'sev sev-low' }, String(m.severity)), ' ', h('span', { class: 'kind' }, m.kind_label), ` ${m.team} · ${m.metric}${m.instance ? ' · ' + m.instance : ''} — ${m.reason}, said by ${m.by}`),
      ),
    ),
  );
}

// "Noise, week over week": per team and per kind, the share of each reviewed week's findings the room
// marked noise (grey) or expected (amber). Nothing until the room has dismissed something.
function noiseCharts(rows) {
  if (!rows || !rows.length) return null;
  const group = (g, title) => {
    const mine = rows.filter((r) => r.group === g);
    return mine.length
      ? h('div', { class: 'noise-group' }, h('h3', {}, title), mine.map((r) => h('div', { class: 'noise-row', 'data-testid': 'noise-row', dataset: { group: g } }, h('span', { class: 'noise-label' }, r.label), svgImage(r.svg, `${r.label}: share marked noise or expected, weeks of ${r.weeks}`))))
      : null;
  };
  return h(
    'details',
    { class: 'noise', 'data-testid': 'noise' },
    h('summary', {}, 'Noise, week over week'),
    h('p', { class: 'muted' }, 'The share of each reviewed week\'s findings marked noise (grey) or expected (amber). `flywheel findings noise` proposes a sensitivity for a metric dismissed as noise in 3 or more weeks.'),
    group('team', 'By team'),
    group('kind', 'By kind'),
  );
}

// Give the selected finding a verdict: 'noise', 'needs_action' (then its chart, to raise the action item)
// or 'expected' (asks why and for how long first).
export function markSelected(verdict) {
  const f = visibleFindings()[app.selected];
  if (!f || f.kind === 'source_error') return;
  if (verdict === 'expected') return showExpectedForm(f);
  save(f, { verdict }).then(() => verdict === 'needs_action' && openFinding(f));
}

// The verdict just given on finding `id`, in the core's words, as overview `ov` lists it; null when the
// finding was folded into Muted (marked expected), where it has no verdict label of its own.
export function saidLabel(ov, id) {
  const now = ov.review.findings.find((g) => g.id === id);
  return now && now.verdict ? now.verdict.label : null;
}

// Make `ov` the overview (re-flagged, or marked again after a verdict) with the selection kept on the finding it
// was on, or, where that one left the list (folded into Muted, or not found at the new sensitivity), on the one
// that took its place: the room goes on down the list from where it was. A selected row that was on screen is
// brought back on screen when the list is drawn again (at another sensitivity it may have moved far up or down).
// `onScreenOnly` (a new sensitivity, a new ranking): a selection the room had scrolled away from is not kept, and
// the first finding is selected, as in a list just opened.
export function keepingSelection(ov, onScreenOnly = false) {
  const at = app.selected;
  const id = shownFindings()[at]?.id;
  const seen = selectedOnScreen();
  setOverview(ov, false);
  if (onScreenOnly && !seen) return;
  const vis = visibleFindings();
  const still = id === undefined ? -1 : vis.findIndex((x) => x.id === id);
  app.selected = still >= 0 ? still : Math.min(at, Math.max(0, vis.length - 1));
  reveal = seen && app.selected !== at;
}

// The findings the selection indexes: the list on screen (filtered once when drawn), else worked out again.
function shownFindings() {
  return rows?.list.isConnected ? rows.items : visibleFindings();
}

// Whether the selected row is drawn and on screen.
function selectedOnScreen() {
  const el = rows?.list.isConnected ? rows.el(app.selected) : null;
  if (!el) return false;
  const box = el.getBoundingClientRect();
  return box.bottom > 0 && box.top < innerHeight;
}

// The selected row is to be brought on screen when the list is next drawn (see keepingSelection).
let reveal = false;

async function save(f, mark) {
  try {
    const ov = await backend.markFinding(f.id, mark);
    keepingSelection(ov);
    announce(`${f.metric_name}: marked ${saidLabel(ov, f.id) ?? 'expected, muted'}`);
    if (app.view === 'overview') renderOverview();
  } catch (e) {
    announce(e.message);
    throw e;
  }
}

function showExpectedForm(f) {
  const slot = document.getElementById('verdict-form');
  if (!slot) return;
  const close = () => clear(slot).removeAttribute('data-open');
  clear(slot).append(expectedForm(f, (mark) => save(f, mark), close));
  slot.dataset.open = 'true';
  slot.querySelector('select').focus();
}

// The "expected" form (why, what, for how long); `submit(mark)` saves it and resolves, `close` removes it.
export function expectedForm(f, submit, close) {
  const reason = h('select', { 'aria-label': 'Why it was expected', 'data-testid': 'verdict-reason' },
    [['deploy', 'Deploy'], ['maintenance', 'Planned maintenance'], ['event', 'Holiday or traffic event'], ['batch_job', 'Known batch job'], ['other', 'Other (say what)']].map(([v, t]) => h('option', { value: v }, t)));
  const note = h('input', { type: 'text', maxlength: '20000', placeholder: 'What (optional unless Other)', 'aria-label': 'Note', 'data-testid': 'verdict-note' });
  const scope = h('select', { 'aria-label': 'For how long', 'data-testid': 'verdict-scope' },
    [['occurrence', 'This occurrence'], ['time_of_week', 'This metric at this time every week'], ['weeks:4', 'This metric for 4 weeks']].map(([v, t]) => h('option', { value: v }, t)));
  const error = h('p', { class: 'error', role: 'alert' });
  const form = h(
    'form',
    { class: 'card verdict-form', 'data-testid': 'verdict-form' },
    h('strong', {}, `Expected: ${f.team} · ${f.metric_name} (${f.kind_label})`),
    reason, note, scope,
    h('button', { type: 'submit', 'data-testid': 'verdict-save' }, 'Save'),
    h('button', { type: 'button', onclick: close }, 'Cancel'),
    error,
  );
  form.addEventListener('submit', (e) => {
    e.preventDefault();
    const sc = scope.value.startsWith('weeks:') ? { scope: 'weeks', weeks: Number(scope.value.slice(6)) } : { scope: scope.value };
    submit({ verdict: 'expected', reason: reason.value, note: note.value, scope: sc }).then(close, (err) => (error.textContent = err.message));
  });
  return form;
}

export function openFinding(f) {
  if (f.kind === 'source_error') go('team', { team: f.team, focus: f.metric });
  else go('metric', { metric: f.metric, rank: f.rank });
}

export function renderOverview() {
  const r = app.overview.review;
  // The action items already on screen for this workspace stay as they are when the overview is drawn again
  // (a new sensitivity, a verdict, the tickets arriving): they do not blink out and back, and a form being
  // typed in is kept. They do not depend on the findings; what others change comes in through the live poll.
  const kept = document.getElementById('previous-actions');
  const keep = kept && kept.dataset.workspace === String(app.path);
  const previous = keep
    ? kept
    : h('section', { class: 'actions', id: 'previous-actions', 'data-testid': 'previous-actions', hidden: true, dataset: { workspace: String(app.path) } });
  const root = clear(viewEl());
  const f = app.filters;
  const failed = r.metrics.filter((m) => m.status === 'error');
  const teams = r.workspace.teams;
  const kinds = Object.entries(r.counts.by_kind).filter(([, n]) => n > 0);
  const search = h('input', { type: 'search', id: 'filter-text', placeholder: 'Filter (press /)', value: f.text, 'data-testid': 'filter-text', 'aria-label': 'Filter findings' });
  const list = h('ol', { class: 'findings', role: 'listbox', 'aria-label': 'Ranked findings', 'data-testid': 'findings', tabindex: '0' });
  const count = h('span', { 'data-testid': 'finding-count' });
  const refill = (vis = visibleFindings()) => {
    app.selected = Math.min(app.selected, Math.max(0, vis.length - 1));
    const estimate = rows?.avg;
    rows = new Windowed(list, vis, (x, i) => findingRow(x, i, i === app.selected), estimate).open();
    if (reveal && vis.length) rows.show(app.selected)?.scrollIntoView({ block: 'nearest' });
    reveal = false;
    if (!vis.length) list.append(h('li', { class: 'muted empty' }, r.findings.length ? 'No finding matches the filters.' : 'Nothing deserves attention this week.'));
    count.textContent = String(r.counts.findings);
    count.dataset.visible = String(vis.length);
  };
  // A filter changed: the selection stays on its finding when the filtered list holds it, else it goes to the first
  // finding, as in a list just opened (the row at its old place is another finding). A kept row that was on screen
  // is kept on screen; one the room had scrolled away from does not pull the page (away from the filter being typed).
  const refilter = () => {
    const id = rows?.items[app.selected]?.id;
    const seen = selectedOnScreen();
    const vis = visibleFindings();
    const at = id === undefined ? -1 : vis.findIndex((x) => x.id === id);
    app.selected = Math.max(0, at);
    reveal = seen && at >= 0;
    refill(vis);
  };
  search.addEventListener('input', () => {
    f.text = search.value;
    refilter();
  });
  const select = (label, key, options) => {
    const el = h('select', { 'aria-label': label, 'data-testid': 'filter-' + key }, options.map(([v, t]) => h('option', { value: v, selected: String(f[key]) === String(v) }, t)));
    el.addEventListener('change', () => {
      f[key] = key === 'severity' ? Number(el.value) : el.value;
      refilter();
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
      previous,
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
      h('div', { id: 'verdict-form', 'aria-live': 'polite' }),
      list,
      mutedGroup(r),
      noiseCharts(app.overview.noise),
      h('p', { class: 'muted hint' }, 'Keys on the selected finding: e expected · n noise · x needs action · Enter open'),
      r.warnings.length
        ? h('details', { class: 'warnings' }, h('summary', {}, `Input notes (${r.warnings.length})`), h('ul', {}, r.warnings.map((w) => h('li', {}, `${w.metric}: ${w.message} (${w.file})`))))
        : null,
    ),
  );
  refill();
  app.refill = refill;
  if (!keep) showPreviousActions();
}

// The findings drawn: only the rows near the screen are in the page (see windowed.js).
let rows = null;

export function moveSelection(delta) {
  const vis = shownFindings();
  if (!vis.length) return;
  app.selected = Math.max(0, Math.min(vis.length - 1, app.selected + delta));
  if (!rows?.list.isConnected) return;
  const now = rows.show(app.selected);
  for (const r of rows.els) {
    const on = r === now;
    r.classList.toggle('selected', on);
    r.setAttribute('aria-selected', on ? 'true' : 'false');
  }
  now?.scrollIntoView({ block: 'nearest' });
}
