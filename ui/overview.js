// The Overview: the ranked findings with filters, team chips, sparklines and keyboard selection.

import { showPreviousActions } from './actions.js';
import { clear, h, s } from './dom.js';
import { app, dayLabel, go, sevClass, teamClass, viewEl } from './shell.js';

// ---------- Overview ----------

export function visibleFindings() {
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

export function openFinding(f) {
  if (f.kind === 'source_error') go('team', { team: f.team, focus: f.metric });
  else go('metric', { metric: f.metric, rank: f.rank });
}

export function renderOverview() {
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

export function moveSelection(delta) {
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
