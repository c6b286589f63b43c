// Action items: the list that comes back at the top of the review, its filters, cards and the form.

import { backend } from './backend.js';
import { clear, h, svgImage } from './dom.js';
import { $, announce, app, go } from './shell.js';

export const STATUSES = [['open', 'open'], ['in_progress', 'in progress'], ['done', 'done'], ['dropped', 'dropped']];

// Which action items the overview lists: by default the ones still to do (open, in progress).
export const actionFilter = { status: 'live', owner: '', team: '', overdue: false };
export const FILTER_STATUSES = [['live', 'still to do'], ...STATUSES, ['all', 'any status']];

export function filterArg() {
  const f = actionFilter;
  return {
    live: f.status === 'live',
    status: STATUSES.some(([v]) => v === f.status) ? f.status : null,
    owner: f.owner.trim() || null,
    team: f.team || null,
    overdue: f.overdue,
  };
}

export function filterIsDefault() {
  return actionFilter.status === 'live' && !actionFilter.owner.trim() && !actionFilter.team && !actionFilter.overdue;
}

export function actionFilterBar() {
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

// Someone else changed the journal: show the action items as they are now — unless an item is being
// edited or raised here (false: asked again at the next look, so nothing typed is lost).
export function actionsJournalChanged() {
  const box = $('previous-actions');
  if (!box) return true;
  if (box.querySelector('form')) return false;
  showPreviousActions();
  return true;
}

// The action items still to do, overdue first, each with the chart it was raised on.
export async function showPreviousActions() {
  const box = $('previous-actions');
  if (!box) return;
  let items;
  try {
    items = await backend.actionItems(filterArg());
  } catch (e) {
    box.hidden = false;
    clear(box).append(h('p', { class: 'muted' }, 'Action items are unavailable: ' + e.message));
    box.dataset.loaded = 'true';
    return;
  }
  box.hidden = !items.length && filterIsDefault();
  const heading = actionFilter.status === 'live' ? 'Previous action items' : 'Action items';
  clear(box).append(h('div', { class: 'actions-head' }, h('h2', {}, `${heading} (`, h('span', { 'data-testid': 'action-count' }, String(items.length)), ')'), actionFilterBar()));
  if (!items.length) box.append(h('p', { class: 'muted' }, 'No action item matches these filters.'));
  const grid = h('div', { class: 'action-grid' });
  box.append(grid);
  for (const a of items) grid.append(actionCard(a, true));
  box.dataset.loaded = 'true';
}

// Who raised an item and who changed it last (an unknown author is left out).
function who(a) {
  const known = (n) => n && n !== 'unknown';
  const by = known(a.created_by) ? ' by ' + a.created_by : '';
  const changed = known(a.updated_by) && a.updated_by !== a.created_by ? ' · last changed by ' + a.updated_by : '';
  return by + changed;
}

export function actionCard(a, withChart) {
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
    h('p', { class: 'muted' }, h('span', { 'data-testid': 'action-owner' }, a.owner || 'unassigned'), a.due ? ' · due ' + a.due : '', overdue ? h('b', { class: 'overdue-tag' }, ' overdue') : null, about ? ' · ' + about : '', ` · raised in the week of ${a.week}${who(a)} · `, edit),
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

export function reviewWeek() {
  return app.overview.review.range.start.slice(0, 10);
}

// A new action item's starting point, from a finding: one click, everything prefilled.
export function findingDraft(f) {
  return { title: `${f.kind_label}: ${f.service} ${f.metric_name}`, owner: '', due: null, details: f.sentence, week: reviewWeek(), team: f.team, metric: f.metric, finding: f.id, range: [f.start_unix, f.end_unix] };
}

// The form that raises an action item from `base` (a finding's or a chart range's draft), or edits item
// `id`. `onCancel` (optional) puts back what the form replaced.
export function actionForm(base, onSaved, id = null, onCancel = null) {
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
