// Shared by every view: the app's state, navigation (views register their renderers), the live
// region, the error panel, time labels in the workspace's zone and the severity colours the core decided.

import { h } from './dom.js';

// The views' renderers by name, registered by app.js (so this module depends on no view).
const views = {};
export function registerViews(v) {
  Object.assign(views, v);
}

// The Overview's filters when nothing is filtered (a workspace opened afresh); `{ ...noFilters(), team }` is
// every finding of one team.
export const noFilters = () => ({ team: '', kind: '', severity: 0, text: '' });

export const app = {
  overview: null, // the Overview from the core (review document + when + sparklines)
  view: 'open',
  stack: [], // previous views, for Esc
  selected: 0, // index into the visible findings
  filters: noFilters(),
  // Findings marked expected shown in place (in severity order) instead of folded into "Muted".
  showMuted: false,
  loading: false,
  readyMs: null,
  rendered: 0, // bumped by every navigation: a slow answer for a view the user has left is dropped
};

export const $ = (id) => document.getElementById(id);
export const viewEl = () => $('view');

export function announce(text) {
  const live = $('live');
  live.textContent = '';
  // A fresh text node makes screen readers announce it even when it repeats.
  setTimeout(() => (live.textContent = text), 30);
}

// ---------- navigation ----------

export function go(view, args = {}, push = true) {
  // A view with unsaved text (the COE editor) saves it on the way out.
  if (app.leaving) {
    const save = app.leaving;
    app.leaving = null;
    save();
  }
  if (push && app.view !== view) app.stack.push({ view: app.view, args: app.args });
  app.view = view;
  app.args = args;
  for (const b of document.querySelectorAll('[data-nav]')) {
    b.setAttribute('aria-current', b.dataset.nav === view ? 'page' : 'false');
    if (b.dataset.nav !== 'open') b.disabled = !app.overview;
  }
  document.body.dataset.view = view;
  app.rendered++;
  views[view](args);
}

export function back() {
  const prev = app.stack.pop();
  if (prev) go(prev.view, prev.args, false);
}

// ---------- errors ----------

export function errorPanel(e, title = 'Could not open the workspace') {
  return h(
    'section',
    { class: 'error-panel', role: 'alert', 'data-testid': 'error', dataset: { code: e.code || 'internal' } },
    h('h2', {}, title),
    h('p', { 'data-testid': 'error-message' }, e.message || String(e)),
    e.details && e.details.length && !(e.details.length === 1 && e.details[0] === e.message) ? h('ul', { class: 'error-details', 'data-testid': 'error-details' }, e.details.map((d) => h('li', {}, h('code', {}, d)))) : null,
  );
}

// ---------- time ----------

export function tz() {
  return app.overview ? app.overview.review.workspace.timezone : undefined;
}

export function dayLabel(unix) {
  return new Date(unix * 1000).toLocaleDateString('en-GB', { timeZone: tz(), weekday: 'short', day: 'numeric', month: 'short', year: 'numeric' });
}

// `YYYY-MM-DD` of an instant in the workspace's zone (as the journal keys weeks).
export function isoDate(unix) {
  const parts = new Intl.DateTimeFormat('en-GB', { timeZone: tz(), year: 'numeric', month: '2-digit', day: '2-digit' }).formatToParts(new Date(unix * 1000));
  const get = (t) => (parts.find((p) => p.type === t) || {}).value;
  return `${get('year')}-${get('month')}-${get('day')}`;
}

export function timeLabel(unix) {
  return new Date(unix * 1000).toLocaleString('en-GB', { timeZone: tz(), weekday: 'short', day: 'numeric', month: 'short', hour: '2-digit', minute: '2-digit' });
}

export function sevClass(f) {
  return 'sev-' + (app.overview.bands[f.rank - 1] || 'low');
}
export function teamClass(name) {
  return 'sev-' + (app.overview.team_bands[name] || 'low');
}
