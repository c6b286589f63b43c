// A team's dashboard: one chart per metric (drawn by the core), the team's findings beside it.

import { backend } from './backend.js';
import { clear, fmt, h, svgImage } from './dom.js';
import { announce, app, back, errorPanel, go, sevClass, viewEl } from './shell.js';

// ---------- Team dashboard ----------

export async function renderTeam({ team, focus }) {
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

export function highlight(metric) {
  const el = document.getElementById('w-' + metric);
  if (!el) return;
  el.scrollIntoView({ block: 'center', behavior: matchMedia('(prefers-reduced-motion: reduce)').matches ? 'auto' : 'smooth' });
  document.querySelectorAll('.widget.highlight').forEach((x) => x.classList.remove('highlight'));
  el.classList.add('highlight');
}
