// The Open view: the sample, a folder or a file, importing Grafana and CloudWatch dashboards, the recent workspaces,
// and loading with progress.

import { actionFilter } from './actions.js';
import { backend } from './backend.js';
import { clear, h } from './dom.js';
import { importPanel } from './import.js';
import { cloudwatchImportPanel } from './import_cw.js';
import { $, app, dayLabel, errorPanel, go, noFilters, viewEl } from './shell.js';
import { startLive } from './live.js';
import { refreshTickets } from './tickets.js';

// ---------- Open ----------

export async function renderOpen(args = {}) {
  const root = clear(viewEl());
  const pathInput = h('input', { type: 'text', id: 'path', placeholder: '/path/to/workspace or file.csv', 'data-testid': 'path-input', spellcheck: 'false', 'aria-label': 'Workspace path' });
  const openPath = () => pathInput.value.trim() && load(pathInput.value.trim());
  pathInput.addEventListener('keydown', (e) => e.key === 'Enter' && openPath());
  const recent = h('ul', { class: 'recent', 'data-testid': 'recent' });
  const about = h('p', { class: 'muted about', 'data-testid': 'about' });
  root.append(
    h(
      'section',
      { class: 'open' },
      h('h1', {}, 'Open a review'),
      h('p', { class: 'muted' }, 'A workspace folder (with flywheel.toml), a single CSV/Parquet file, or a folder of exports (each file\'s series reviewed on its own). The last complete week is reviewed against its seasonal history.'),
      h(
        'div',
        { class: 'open-actions' },
        h('button', { type: 'button', class: 'primary', 'data-testid': 'open-sample', onclick: async () => load(await backend.samplePath()) }, 'Open the sample workspace'),
        h('button', { type: 'button', 'data-testid': 'open-folder', onclick: () => pick(true) }, 'Open a folder…'),
        h('button', { type: 'button', 'data-testid': 'open-file', onclick: () => pick(false) }, 'Open a CSV/Parquet file…'),
        h('button', {
          type: 'button',
          'data-testid': 'open-import',
          onclick: (ev) => {
            ev.target.disabled = true;
            const panel = importPanel();
            $('import-slot').append(panel);
            panel.querySelector('input').focus();
          },
        }, 'Import Grafana dashboard…'),
        h('button', {
          type: 'button',
          'data-testid': 'open-import-cloudwatch',
          onclick: (ev) => {
            ev.target.disabled = true;
            const panel = cloudwatchImportPanel();
            $('import-slot').append(panel);
            panel.querySelector('input').focus();
          },
        }, 'Import CloudWatch dashboard…'),
      ),
      h('div', { id: 'import-slot' }),
      h('div', { class: 'path-row' }, pathInput, h('button', { type: 'button', 'data-testid': 'open-path', onclick: openPath }, 'Open')),
      h('div', { id: 'load-status' }),
      args.error ? errorPanel(args.error) : null,
      h('h2', {}, 'Recent'),
      recent,
      about,
    ),
  );
  backend.appInfo().then(
    (info) => { about.textContent = `Flywheel ${info.version} · MIT licence · the sample workspace is at ${info.sample}`; },
    () => {},
  );
  try {
    const list = await backend.recentWorkspaces();
    if (!list.length) recent.append(h('li', { class: 'muted' }, 'Nothing opened yet.'));
    for (const r of list) {
      recent.append(h('li', {}, h('button', { type: 'button', class: 'link', onclick: () => load(r.path) }, r.name), ' ', h('span', { class: 'muted path' }, r.zone ? `${r.path} · times in ${r.zone}` : r.path)));
    }
  } catch (e) {
    recent.append(h('li', { class: 'muted' }, 'The recent list is unavailable: ' + e.message));
  }
}

export async function pick(folder) {
  const p = await backend.pickPath(folder).catch(() => null);
  if (p) load(p);
}

// week: Unix seconds of a moment in the week to review; null for the last complete week (the default, and the
// latest the ◀ ▶ buttons go to).
export async function load(path, refresh = false, week = null, zone = null) {
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
        label.textContent = `${{ list: 'Listing the files’ series', load: 'Reading files', pull: 'Pulling from the metrics server' }[p.stage] || 'Aligning series'} ${p.done}/${p.total}`;
      },
      refresh,
      week,
      zone,
    );
    app.loading = false;
    app.path = path;
    app.week = week;
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

// A data file or a folder of exports says nothing of its times' zone: the header offers one (read again in it, the
// same week). A workspace sets its own in flywheel.toml. The zone is typed with suggestions: part of a name finds it
// (`tokyo`, `new york`); a name that is no zone is said, and the files stay read in the zone they were.
async function zonePicker(ov) {
  const pick = $('zone-pick');
  pick.hidden = !ov.zone_choice;
  if (!ov.zone_choice) return;
  const input = $('zone');
  const list = $('zone-list');
  if (!list.options.length) {
    app.zones = app.zones || (await backend.appInfo()).zones;
    list.append(...app.zones.map((z) => h('option', { value: z })));
  }
  const zone = ov.review.workspace.timezone;
  const say = (text) => {
    input.setAttribute('aria-invalid', text ? 'true' : 'false');
    input.title = text;
    $('zone-note').textContent = text;
  };
  input.value = zone;
  say('');
  input.onchange = () => {
    const found = findZone(app.zones || [], input.value);
    if (!found) return say(`No time zone is named “${input.value.trim()}”: type a place such as Tokyo or Europe/Berlin.`);
    say('');
    input.value = found;
    if (found !== zone && app.path) load(app.path, false, app.week, found);
  };
  // Escape puts back the zone the files are read in.
  input.onkeydown = (ev) => {
    if (ev.key === 'Escape') {
      input.value = zone;
      say('');
    }
  };
}

// The zone a typed name means: the name itself (any case, spaces for underscores), else the one zone whose name holds it.
function findZone(zones, typed) {
  const want = typed.trim().toLowerCase().replaceAll(' ', '_');
  if (!want) return null;
  const exact = zones.find((z) => z.toLowerCase() === want);
  if (exact) return exact;
  const holding = zones.filter((z) => z.toLowerCase().includes(want));
  const place = holding.filter((z) => z.toLowerCase().endsWith(`/${want}`));
  if (place.length === 1) return place[0];
  return holding.length === 1 ? holding[0] : null;
}

export function setOverview(ov, fresh) {
  const before = app.overview ? app.overview.review.counts.findings : null;
  app.overview = ov;
  startLive();
  const r = ov.review;
  // A range of one week is named as the room names it (week 46); any other by its first day.
  const week = r.range.week ? `week ${Number(r.range.week.slice(6))} (from ${dayLabel(r.range.start_unix)})` : `week of ${dayLabel(r.range.start_unix)}`;
  $('ws-name').textContent = `${r.workspace.name} · ${week}`;
  // One week earlier or later: the middle of the neighbouring week (a DST week is an hour longer or shorter); never
  // past the last complete week, which is where a workspace opens.
  const step = (weeks) => {
    if (!app.path) return;
    const later = weeks > 0 && r.range.end_unix + 7 * 86400 + 7200 >= app.latestEnd;
    load(app.path, false, later ? null : Math.round((r.range.start_unix + r.range.end_unix) / 2) + weeks * 7 * 86400);
  };
  if (app.week == null) app.latestEnd = r.range.end_unix;
  $('week-earlier').hidden = false;
  $('week-later').hidden = false;
  $('week-later').disabled = app.week == null;
  $('week-earlier').onclick = () => step(-1);
  $('week-later').onclick = () => step(1);
  zonePicker(ov);
  $('sensitivity').hidden = false;
  // A workspace pulled from a metrics server can be pulled again; the title says what the last pull cost.
  const refresh = $('refresh');
  refresh.hidden = !ov.server;
  refresh.onclick = () => app.path && load(app.path, true, app.week);
  refresh.title = ov.server ? `Pull again from ${ov.server} (last time: ${ov.pull.requests} requests, ${ov.pull.cached} metrics from the cache)` : '';
  $('sens').value = String(r.sensitivity);
  $('sens-value').textContent = `${r.sensitivity}×`;
  $('sens-note').textContent = fresh || before === null ? '' : `${r.counts.findings} findings (was ${before})`;
  // The tickets are linked to the findings: read again (from the sources only after a fresh load).
  if (fresh) app.tickets = undefined;
  refreshTickets();
  if (fresh) {
    app.filters = noFilters();
    Object.assign(actionFilter, { status: 'live', owner: '', team: '', overdue: false });
  }
  app.selected = 0;
}
