// A metric's detail: the large chart, the hover read-out, and dragging a range to annotate it or raise
// an action item on it.

import { actionCard, actionForm, findingDraft, reviewWeek } from './actions.js';
import { backend } from './backend.js';
import { clear, fmt, h, svgImage } from './dom.js';
import { writeCoeButton } from './coe.js';
import { setOverview } from './open.js';
import { $, announce, app, back, errorPanel, go, sevClass, timeLabel, viewEl } from './shell.js';

// ---------- Metric detail ----------

export async function renderMetric({ metric, rank, lastWeek = true, earlierWeeks = 0, lines = null }) {
  const root = clear(viewEl());
  const box = h('div', { class: 'detail-chart', 'data-testid': 'detail-chart' });
  const side = h('div', { class: 'detail-side' });
  root.append(h('section', { class: 'metric' }, h('div', { class: 'view-head', id: 'detail-head' }, h('button', { type: 'button', class: 'back', onclick: back, 'aria-label': 'Back' }, '←')), box, side));
  const width = Math.max(640, box.clientWidth);
  const height = Math.max(320, Math.min(520, window.innerHeight - 330));
  const mine = app.rendered;
  let d;
  // Lines that cannot be tried (the investigation line past the alarm line) are said beside the form, and
  // the metric is shown with its own.
  let linesError = null;
  try {
    d = await backend.metricDetail(metric, { width, height, lastWeek, earlierWeeks, lines }).catch((e) => {
      if (!lines || e.code !== 'invalid') throw e;
      linesError = e;
      return backend.metricDetail(metric, { width, height, lastWeek, earlierWeeks });
    });
  } catch (e) {
    box.append(errorPanel(e, 'Could not show this metric'));
    return;
  }
  if (mine !== app.rendered) return;
  const head = $('detail-head');
  const topFinding = app.overview.review.findings.filter((f) => f.metric === metric).sort((a, b) => b.severity - a.severity)[0];
  const again = (o) => go('metric', { metric, rank, lastWeek, earlierWeeks, lines: d.trial ? lines : null, ...o }, false);
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
    topFinding ? writeCoeButton({ kind: 'finding', id: topFinding.id }) : null,
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

  const findings = d.trial ? [] : app.overview.review.findings.filter((f) => f.metric === metric);
  side.append(h('p', { class: 'muted' }, 'Baseline: ', d.baseline, h('br'), 'Drag across the chart to annotate a range or raise an action item on it.'), pickSlot);
  side.append(linesForm(d, linesError, (next) => again({ lines: next })));
  if (d.trial) side.append(trialFindings(d));
  if (d.annotations.length) {
    side.append(
      h(
        'section',
        { class: 'notes', 'data-testid': 'annotations' },
        h('h2', {}, 'Notes'),
        h('ul', {}, d.annotations.map((a) => h('li', { 'data-testid': 'annotation' }, h('span', { class: 'muted' }, `${timeLabel(a.start)} – ${timeLabel(a.end)} `), h('span', { 'data-testid': 'annotation-note' }, a.note), a.maintenance ? h('span', { class: 'verdict' }, ' planned maintenance') : null))),
      ),
    );
  }
  if (d.said.length) {
    // What the room said about this metric's findings, in every reviewed week (the journal's verdicts).
    side.append(
      h(
        'section',
        { class: 'said', 'data-testid': 'said' },
        h('h2', {}, 'What the room said'),
        h('ul', {}, d.said.map((v) => h('li', { class: 'said-' + v.verdict, 'data-testid': 'said-verdict', title: v.sentence }, h('span', { class: 'muted' }, `week of ${v.week} · ${v.kind_label} · `), h('strong', {}, v.label), h('span', { class: 'muted' }, ` — ${v.by}`)))),
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
        // The evidence comes with the metric's detail (the overview leaves it out), by finding id, as rows of
        // label and text with their units (written by the core, as in the reports).
        h('dl', { 'data-testid': 'evidence-numbers' }, (d.evidence[f.id] || []).flatMap(([label, text]) => [h('dt', {}, label), h('dd', {}, text)])),
      ),
    );
  }
  if (!findings.length && !d.trial) side.append(h('p', { class: 'muted' }, 'No findings on this metric this week.'));
}

// Try other alarm and investigation lines on the metric: the chart and its findings come back drawn and
// flagged with them (nothing is saved: the workspace file keeps the lines).
function linesForm(d, error, tryLines) {
  const unit = d.unit ? ' ' + d.unit : '';
  const input = (name, v) => h('input', { type: 'number', step: 'any', value: v ?? '', placeholder: 'no line', 'aria-label': `${name} line`, 'data-testid': `try-${name}` });
  const alarm = input('alarm', d.alarm);
  const investigation = input('investigation', d.investigation);
  const value = (el) => (el.value.trim() === '' ? null : Number(el.value));
  const form = h(
    'form',
    { class: 'try-lines', 'data-testid': 'try-lines' },
    h('h2', {}, 'Try other lines'),
    h('label', {}, 'alarm ', alarm, unit),
    h('label', {}, 'investigation ', investigation, unit),
    h('button', { type: 'submit', 'data-testid': 'try-lines-go' }, 'Try'),
    d.trial ? h('button', { type: 'button', class: 'link', 'data-testid': 'try-lines-back', onclick: () => tryLines(null) }, 'Back to its own lines') : null,
    d.proposed && !d.trial
      ? h('button', { type: 'button', class: 'link', 'data-testid': 'try-proposed', onclick: () => tryLines(d.proposed) }, `Try the proposed lines (${[['alarm', d.proposed.alarm], ['investigation', d.proposed.investigation]].filter(([, v]) => v !== null).map(([n, v]) => `${n} ${fmt(v, d.unit)}`).join(', ')})`)
      : null,
    error ? h('p', { class: 'form-error', role: 'alert', 'data-testid': 'try-lines-error' }, error.message) : null,
  );
  form.addEventListener('submit', (ev) => {
    ev.preventDefault();
    tryLines({ alarm: value(alarm), investigation: value(investigation) });
  });
  return form;
}

// What the metric would flag with the lines tried, beside what it flags with its own.
function trialFindings(d) {
  const t = d.trial;
  const n = t.findings.length;
  return h(
    'section',
    { class: 'trial', 'data-testid': 'trial' },
    h('p', { 'data-testid': 'trial-summary' }, h('strong', {}, `${n} finding${n === 1 ? '' : 's'} with these lines`), ` (${d.findings.length} with its own). `, t.history),
    h('p', { class: 'muted' }, 'To keep them, set ', h('code', {}, t.keep), ` on metric ${d.metric} in flywheel.toml.`),
    t.findings.map((f) =>
      h(
        'article',
        { class: 'card evidence', 'data-testid': 'trial-finding' },
        h('header', {}, h('span', { class: 'sev sev-' + f.band }, String(f.severity)), h('strong', {}, f.kind_label), h('span', { class: 'muted' }, ' · ' + f.when)),
        h('p', {}, f.sentence),
      ),
    ),
  );
}

// Time (Unix seconds, snapped to the review grid) under a client x on the chart, or null off the plot.
export function chartTime(clientX, stage, d) {
  const g = d.chart.geometry;
  const rect = stage.querySelector('img').getBoundingClientRect();
  const x = (clientX - rect.left) * (g.width / rect.width);
  if (x < g.left || x > g.right) return null;
  const t = g.t_start + ((x - g.left) / (g.right - g.left)) * (g.t_end - g.t_start);
  return d.start + Math.round((t - d.start) / d.step) * d.step;
}

// Press, drag across the chart and let go: `onPick(t0, t1)` gets the range (at least one step).
export function dragToSelect(stage, d, onPick) {
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
export function showRangePick(slot, d, t0, t1, redraw) {
  const label = `${timeLabel(t0)} – ${timeLabel(t1)}`;
  const note = h('textarea', { rows: 2, placeholder: 'What happened here?', 'aria-label': 'Note', 'data-testid': 'annotation-note-input' });
  const msg = h('p', { class: 'muted', role: 'status' });
  const maintenance = h('input', { type: 'checkbox', 'data-testid': 'annotation-maintenance' });
  const annotate = h(
    'form',
    { class: 'action-form', 'data-testid': 'annotation-form' },
    note,
    h('label', { class: 'toggle' }, maintenance, ' planned maintenance (findings of this metric here fold into "Muted")'),
    h('div', { class: 'row' }, h('button', { type: 'submit', class: 'primary', 'data-testid': 'annotation-save' }, 'Save note'), msg),
  );
  annotate.addEventListener('submit', async (ev) => {
    ev.preventDefault();
    try {
      await backend.addAnnotation({ metric: d.metric, start: t0, end: t1, note: note.value, maintenance: maintenance.checked });
      announce(`Note saved on ${d.name}, ${label}`);
      // Planned maintenance folds findings away: the overview is made again (same sensitivity).
      if (maintenance.checked) setOverview(await backend.setSensitivity(Number($('sens').value)), false);
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

export function hover(ev, stage, d, cross, dot, readout) {
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
