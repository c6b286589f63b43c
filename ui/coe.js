// COE documents: "Write a COE" on a finding, a ticket or a problem starts a draft (the core writes it from
// the week's review), and this view edits it — title, status, the Markdown text — saving as you type (each
// save is one journal write; a save someone else overtook is refused and said, never overwritten).

import { backend } from './backend.js';
import { clear, h, svgImage } from './dom.js';
import { announce, app, errorPanel, go, isoDate, timeLabel, viewEl } from './shell.js';

// Milliseconds of quiet typing before a save.
const SAVE_AFTER_MS = 500;

export function writeCoeButton(start, label = 'Write a COE') {
  return h(
    'button',
    {
      type: 'button',
      class: 'coe-button',
      'data-testid': 'write-coe',
      onclick: async (e) => {
        e.stopPropagation();
        try {
          const c = await backend.coeCreate(start);
          announce(`COE ${c.id} started`);
          go('coe', { id: c.id });
        } catch (err) {
          announce(err.message);
        }
      },
    },
    label,
  );
}

// The week's COEs and the earlier ones not yet done, as links (the Tickets view, the meeting's COE review).
export async function coeList(empty = null) {
  const list = await backend.coeList().catch(() => []);
  if (!list.length) return empty;
  return h(
    'section',
    { class: 'card coe-list', 'data-testid': 'coe-list' },
    h('h2', {}, 'COEs to review'),
    h('ul', {}, list.map((c) => h('li', {}, h('button', { type: 'button', class: 'link', 'data-testid': 'coe-link', onclick: () => go('coe', { id: c.id }) }, c.title), h('span', { class: 'muted' }, ` · week of ${c.week} · ${c.status.replace('_', ' ')} · last saved by ${c.updated_by} ${timeLabel(c.updated_at)}`)))),
  );
}

// The chart of the COE's metric (lines, band, annotations), when the open review is the COE's week.
async function showChart(slot, c, seq) {
  const r = app.overview && app.overview.review;
  if (!c.metric || !r) return;
  const week = isoDate(r.range.start_unix);
  if (week !== c.week || !r.metrics.some((m) => m.id === c.metric)) return;
  try {
    const d = await backend.metricDetail(c.metric, { width: Math.max(640, viewEl().clientWidth - 40), height: 220, lastWeek: true, earlierWeeks: 0 });
    if (seq !== app.rendered) return;
    slot.append(h('summary', {}, `The episode: ${d.team} · ${d.service} · ${d.name}`), svgImage(d.chart.svg, `${d.name} chart`));
    slot.hidden = false;
  } catch {
    // No chart: the document still edits.
  }
}

export async function renderCoe(args = {}) {
  const root = clear(viewEl());
  const seq = app.rendered;
  let c;
  try {
    c = await backend.coeGet(args.id);
  } catch (e) {
    root.append(errorPanel(e, 'Could not open the COE'));
    return;
  }
  if (seq !== app.rendered) return;
  let revision = c.revision;
  const title = h('input', { type: 'text', class: 'coe-title', value: c.title, maxlength: '300', 'aria-label': 'Title', 'data-testid': 'coe-title' });
  const status = h('select', { 'aria-label': 'Status', 'data-testid': 'coe-status' }, [['draft', 'Draft'], ['in_review', 'In review'], ['done', 'Done']].map(([v, t]) => h('option', { value: v, selected: c.status === v }, t)));
  const body = h('textarea', { class: 'coe-body', spellcheck: 'true', 'aria-label': 'The COE (Markdown)', 'data-testid': 'coe-body' });
  body.value = c.body;
  const said = h('span', { class: 'muted', role: 'status', 'data-testid': 'coe-saved' }, `Saved ${timeLabel(c.updated_at)} by ${c.updated_by} · revision ${c.revision}`);
  let timer = null;
  let saving = Promise.resolve();
  let dirty = false;
  const save = () => {
    clearTimeout(timer);
    if (!dirty) return saving;
    dirty = false;
    const edit = { title: title.value, body: body.value, status: status.value, revision };
    said.textContent = 'Saving…';
    saving = saving.then(() =>
      backend.coeSave(c.id, edit).then(
        (saved) => {
          revision = saved.revision;
          said.classList.remove('failed');
          said.textContent = `Saved ${timeLabel(saved.updated_at)} · revision ${saved.revision}`;
          said.dataset.revision = String(saved.revision);
        },
        (e) => {
          said.textContent = e.message;
          said.classList.add('failed');
        },
      ),
    );
    return saving;
  };
  const changed = () => {
    dirty = true;
    said.textContent = 'Editing…';
    clearTimeout(timer);
    timer = setTimeout(save, SAVE_AFTER_MS);
  };
  for (const el of [title, body]) {
    el.addEventListener('input', changed);
    el.addEventListener('blur', save);
  }
  status.addEventListener('change', () => {
    changed();
    save();
  });
  // Leaving the view (or the window) saves what is pending.
  window.addEventListener('pagehide', save, { once: true });
  const chart = h('details', { class: 'coe-chart', open: true, hidden: true, 'data-testid': 'coe-chart' });
  root.append(
    h('div', { class: 'coe-head' }, title, status, said),
    h('p', { class: 'muted' }, `Week of ${c.week} · started by ${c.created_by} ${timeLabel(c.created_at)} from ${originLabel(c.origin)}. Markdown; saved as you type. Export it with: flywheel coe export ${c.id} --html FILE`),
    chart,
    body,
  );
  showChart(chart, c, seq);
  app.leaving = save;
  body.focus();
}

// What a COE was started from, as people say it: `ticket:OPS-131` → "ticket OPS-131", `problem:label` → the
// problem "label", `finding:id` → "finding id".
function originLabel(origin) {
  const i = (origin || '').indexOf(':');
  if (i < 0) return origin || 'scratch';
  const [kind, what] = [origin.slice(0, i), origin.slice(i + 1)];
  return kind === 'problem' ? `the problem “${what}”` : `${kind} ${what}`;
}
