// A team's dashboard: one chart per metric (drawn by the core), the team's findings beside it.

import { backend } from './backend.js';
import { clear, fmt, h, svgImage } from './dom.js';
import { announce, app, back, errorPanel, go, noFilters, sevClass, viewEl } from './shell.js';

// ---------- Team dashboard ----------

// How many of a team's findings its dashboard lists beside the charts (ranked highest first).
const SIDE_FINDINGS = 200;

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
  // The charts' width, read before the page fills: reading it later lays out every finding and card first
  // (a team of an organisation's review lists thousands).
  const width = Math.max(480, grid.clientWidth - 24);
  const findings = r.findings.filter((f) => f.team === team);
  side.append(h('h2', {}, `${findings.length} finding${findings.length === 1 ? '' : 's'}`));
  // The highest-ranked findings only: a team of an organisation's review at a high sensitivity has thousands,
  // and the page took ~0.4 s to lay out 2,573 (every card on the dashboard is still marked flagged). The
  // Overview, filtered to the team, lists them all.
  const shown = findings.slice(0, SIDE_FINDINGS);
  side.append(
    ...shown.map((f) =>
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
    ),
  );
  if (findings.length > shown.length) {
    const all = () => {
      app.filters = { ...noFilters(), team };
      go('overview');
    };
    side.append(
      h(
        'p',
        { class: 'muted', 'data-testid': 'team-findings-more' },
        `The ${shown.length} ranked highest are listed here. `,
        h('button', { type: 'button', class: 'link', 'data-testid': 'team-findings-all', onclick: all }, `All ${findings.length} in the Overview`),
      ),
    );
  }
  const waiting = h('p', { class: 'muted', 'data-testid': 'widgets-waiting' }, 'Drawing the charts…');
  grid.append(waiting);
  const mine = app.rendered;
  let tv;
  try {
    tv = await backend.teamView(team, width);
  } catch (e) {
    waiting.remove();
    grid.append(errorPanel(e, 'Could not show this team'));
    return;
  }
  if (mine !== app.rendered) return;
  waiting.remove();
  const later = drawLater(team, width, () => mine === app.rendered, fill);
  for (const w of tv.widgets) {
    const card = h(
      'article',
      { class: 'card widget' + (w.findings.length ? ' flagged' : ''), id: 'w-' + w.metric, 'data-testid': 'widget', dataset: { metric: w.metric, alarm: w.alarm ?? '', investigation: w.investigation ?? '' } },
      h('header', {}, h('h3', {}, `${w.service} · ${w.name}`), h('span', { class: 'lines muted' }, `alarm ${fmt(w.alarm, w.unit)} · investigation ${fmt(w.investigation, w.unit)}`)),
    );
    fill(card, w);
    if (w.later) later(card, w.metric);
    grid.append(card);
  }
  if (focus) highlight(focus);
}

// A widget's chart (a button to its detail), its error card, or — drawn later — a placeholder of a chart's size.
function fill(card, w) {
  card.querySelector('.chart-button, .chart-later, [data-testid=source-error]')?.remove();
  card.classList.remove('error-card');
  if (w.later) {
    card.append(h('div', { class: 'chart-later muted', 'data-testid': 'widget-later' }, 'Drawing the chart…'));
  } else if (w.chart) {
    const img = sized(svgImage(w.chart.svg, `${w.name} chart`), w.chart);
    img.dataset.testid = 'widget-chart';
    card.append(h('button', { type: 'button', class: 'chart-button', onclick: () => go('metric', { metric: w.metric }), 'aria-label': 'Open ' + w.name }, img));
  } else {
    card.classList.add('error-card');
    card.append(h('p', { 'data-testid': 'source-error' }, 'Could not be loaded: ', h('code', {}, w.error || 'unknown error')));
  }
}

// A chart's image with the chart's size, so its place is kept before the image is decoded (a chart drawn in
// above the screen does not move what is on it).
export function sized(img, chart) {
  img.width = chart.geometry.width;
  img.height = chart.geometry.height;
  return img;
}

// Charts drawn as the dashboard scrolls to them: a team of an organisation's review holds a thousand metrics,
// and only the first charts come with the dashboard. later(card, metric) watches a card; the cards within a
// screen of the view are asked for together, one ask at a time, and filled with fill(card, widget) while
// current() still holds (the view was not left meanwhile).
export function drawLater(team, width, current, fillCard) {
  const waiting = new Set(); // metrics seen near the screen and not yet asked for
  const cards = new Map(); // metric → card, every card still to draw
  let asking = false;
  const ask = async () => {
    if (!current()) return observer.disconnect();
    if (asking || !waiting.size) return;
    asking = true;
    const batch = [...waiting].slice(0, 24);
    batch.forEach((m) => waiting.delete(m));
    try {
      const tv = await backend.teamCharts(team, width, batch);
      if (!current()) return;
      const drawn = new Map(tv.widgets.map((w) => [w.metric, w]));
      for (const m of batch) {
        const card = cards.get(m);
        if (!card) continue;
        cards.delete(m);
        observer.unobserve(card);
        // A metric the review no longer holds (another workspace opened meanwhile) says so.
        fillCard(card, drawn.get(m) || { metric: m, later: false, chart: null, error: 'not in the open review' });
      }
    } catch (e) {
      if (current()) announce(e.message);
    } finally {
      asking = false;
    }
    ask();
  };
  const observer = new IntersectionObserver(
    (entries) => {
      for (const e of entries) {
        const m = e.target.dataset.metric;
        if (e.isIntersecting && cards.has(m)) waiting.add(m);
        else waiting.delete(m);
      }
      ask();
    },
    { rootMargin: '100% 0px' },
  );
  return (card, metric) => {
    card.dataset.metric = metric;
    cards.set(metric, card);
    observer.observe(card);
  };
}

export function highlight(metric) {
  const el = document.getElementById('w-' + metric);
  if (!el) return;
  el.scrollIntoView({ block: 'center', behavior: matchMedia('(prefers-reduced-motion: reduce)').matches ? 'auto' : 'smooth' });
  document.querySelectorAll('.widget.highlight').forEach((x) => x.classList.remove('highlight'));
  el.classList.add('highlight');
}
