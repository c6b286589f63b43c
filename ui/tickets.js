// The Tickets view: the open review's week of tickets — recurring problems first (a group that grew or spans
// three or more weeks), then the other groups and the new critical and high tickets — each ticket with the
// findings it probably reports (a click opens the finding), and the finding rows of the overview showing
// their tickets (a click comes here). All ticket text is set as text.

import { backend } from './backend.js';
import { coeList, writeCoeButton } from './coe.js';
import { clear, h, s } from './dom.js';
import { openFinding } from './overview.js';
import { $, announce, app, dayLabel, errorPanel, go, timeLabel, viewEl } from './shell.js';

// Read the open review's ticket review again (after a load or re-flagging: links follow the findings).
// Shows the nav button only when the workspace names ticket sources.
export async function refreshTickets() {
  const asked = app.overview;
  try {
    const t = await backend.ticketReview();
    if (app.overview !== asked) return;
    app.tickets = t;
  } catch (e) {
    app.tickets = { error: e };
  }
  const nav = document.querySelector('[data-nav=tickets]');
  if (nav) nav.hidden = !app.tickets;
  if (app.view === 'overview' || app.view === 'tickets') go(app.view, app.args, false);
}

// The ids of the tickets linked to a finding (by the finding's id).
export function ticketsOfFinding(id) {
  const t = app.tickets && app.tickets.tickets;
  if (!t) return [];
  return [...new Set(t.links.filter((l) => l.finding_id === id).map((l) => t.tickets[l.ticket].id))];
}

export function ticketChips(f) {
  const ids = ticketsOfFinding(f.id);
  if (!ids.length) return null;
  return ids.map((id) =>
    h(
      'button',
      {
        type: 'button',
        class: 'ticket-chip',
        'data-testid': 'finding-ticket',
        title: 'A ticket opened during or soon after this finding, on its service',
        onclick: (e) => {
          e.stopPropagation();
          go('tickets', { ticket: id });
        },
      },
      `ticket ${id}`,
    ),
  );
}

const sevText = (t) => (t.severity ? `SEV ${t.severity}` : t.severity_text || '—');

function findingButton(doc, link) {
  const f = app.overview.review.findings.find((x) => x.id === link.finding_id);
  const d = doc.findings[link.finding];
  const label = `${d.kind.replace(/_/g, ' ')} · ${d.metric}`;
  return h(
    'button',
    { type: 'button', class: 'link', 'data-testid': 'ticket-finding', disabled: !f, title: f ? f.sentence : 'not in the findings at this sensitivity', onclick: () => f && openFinding(f) },
    label,
  );
}

function ticketRow(doc, i, focus) {
  const t = doc.tickets.tickets[i];
  const links = doc.tickets.links.filter((l) => l.ticket === i);
  const id = t.link
    ? h('button', { type: 'button', class: 'link', title: t.link, onclick: () => backend.openLink(t.link).catch((e) => announce(e.message)) }, t.id)
    : h('span', {}, t.id);
  return h(
    'tr',
    { class: 'ticket' + (focus === t.id ? ' focused' : ''), 'data-testid': 'ticket', dataset: { id: t.id } },
    h('td', {}, id),
    h('td', {}, h('span', { class: 'ticket-sev' + (t.severity && t.severity <= 2 ? ' high' : '') }, sevText(t))),
    h('td', { class: 'ticket-title' }, t.title),
    h('td', {}, t.service),
    h('td', { class: 'when' }, timeLabel(t.created)),
    h('td', {}, links.map((l) => findingButton(doc, l))),
    h('td', {}, writeCoeButton({ kind: 'ticket', id: t.id }, 'COE')),
  );
}

function table(doc, rows, focus) {
  return h(
    'table',
    { class: 'tickets-table' },
    h('thead', {}, h('tr', {}, ['Ticket', 'Severity', 'Title', 'Service', 'Opened', 'Findings', ''].map((c) => h('th', {}, c)))),
    h('tbody', {}, rows.map((i) => ticketRow(doc, i, focus))),
  );
}

// Tickets per week as small bars, oldest first (the last is the review week): an SVG, whose sizes are
// attributes (the window's style policy allows no inline styles).
function weekBars(p) {
  const max = Math.max(1, ...p.per_week);
  const w = 11;
  const height = 26;
  const svg = s('svg', { class: 'week-bars', width: p.per_week.length * w, height, viewBox: `0 0 ${p.per_week.length * w} ${height}`, role: 'img', 'aria-label': `tickets per week, oldest first: ${p.per_week.join(', ')}`, 'data-testid': 'week-bars' });
  p.per_week.forEach((n, i) => {
    const bh = Math.max(2, Math.round((n / max) * (height - 2)));
    svg.append(s('rect', { x: i * w + 1, y: height - bh, width: w - 3, height: bh, rx: 1.5, class: 'bar' + (i === p.per_week.length - 1 ? ' this-week' : '') }, s('title', {}, `${n}`)));
  });
  return svg;
}

function problemCard(doc, p, focus) {
  const index = doc.tickets.problems.indexOf(p);
  return h(
    'section',
    { class: 'card ticket-problem' + (p.recurring ? ' is-recurring' : ''), 'data-testid': 'problem', dataset: { recurring: String(p.recurring) } },
    h('header', {}, h('h3', {}, p.label), h('span', { class: 'problem-side' }, weekBars(p), writeCoeButton({ kind: 'problem', id: index }))),
    h('p', { class: 'muted' }, `${p.recurring ? '↻ recurring · ' : ''}${p.why} · ${p.this_week} this week · teams: ${p.teams.join(', ') || '—'} · first seen ${dayLabel(p.first_seen)}, last seen ${dayLabel(p.last_seen)}`),
    table(doc, [...p.tickets].reverse(), focus),
  );
}

export async function renderTickets(args = {}) {
  const root = clear(viewEl());
  const seq = app.rendered;
  if (app.tickets === undefined) await refreshTickets();
  if (seq !== app.rendered) return;
  const doc = app.tickets;
  if (!doc) {
    root.append(h('p', { class: 'muted', 'data-testid': 'no-tickets' }, 'This workspace names no ticket sources. Add a [[tickets]] table to flywheel.toml (a CSV export of Jira, ServiceNow, PagerDuty or GitHub, or Jira\'s search API).'));
    return;
  }
  if (doc.error) {
    root.append(errorPanel(doc.error, 'Could not read the tickets'));
    return;
  }
  const tr = doc.tickets;
  const focus = args.ticket || null;
  root.append(h('h1', {}, `Tickets — week of ${dayLabel(tr.week_start)}`), h('p', { 'data-testid': 'tickets-summary' }, doc.summary));
  const coes = h('div', { 'data-testid': 'coe-slot' });
  root.append(coes);
  coeList().then((list) => list && seq === app.rendered && coes.append(list));
  for (const f of tr.failed) root.append(h('div', { class: 'card error-card', 'data-testid': 'ticket-source-error' }, h('strong', {}, `${f.source} could not be read`), h('code', {}, f.message)));
  const recurring = tr.problems.filter((p) => p.recurring);
  const others = tr.problems.filter((p) => !p.recurring);
  if (recurring.length) root.append(h('h2', {}, 'Recurring problems'), ...recurring.map((p) => problemCard(doc, p, focus)));
  if (others.length) root.append(h('h2', {}, 'Other problems this week'), ...others.map((p) => problemCard(doc, p, focus)));
  if (!tr.problems.length) root.append(h('p', { class: 'muted' }, 'No two tickets this week share a cause.'));
  root.append(h('h2', {}, 'New critical and high tickets'));
  root.append(tr.new_high.length ? h('div', { 'data-testid': 'new-high' }, table(doc, tr.new_high, focus)) : h('p', { class: 'muted' }, 'None this week.'));
  // The week's other tickets that tell of a finding, so every linked ticket can be reached from here.
  const shown = new Set([...tr.problems.flatMap((p) => p.tickets), ...tr.new_high]);
  const linked = [...new Set(tr.links.map((l) => l.ticket))].filter((i) => !shown.has(i));
  if (linked.length) root.append(h('h2', {}, 'Other tickets about this week\'s findings'), table(doc, linked, focus));
  if (tr.notes.length) root.append(h('details', { class: 'ticket-notes', 'data-testid': 'ticket-notes' }, h('summary', {}, 'Ticket sources'), h('ul', {}, tr.notes.map((n) => h('li', {}, n.message)))));
  if (focus) {
    const row = root.querySelector('tr.focused');
    if (row) {
      row.scrollIntoView({ block: 'center' });
      announce(`Ticket ${focus}`);
    }
  }
  $('view').focus();
}
