// Flywheel's UI entry point: registers the views (Open, Overview, Team, Metric, Wheel, Tickets, COE, Meeting), the sensitivity
// control and the keys. Everything reaches Rust through ./backend.js; all user text is set as text
// (./dom.js), never as markup.

import { backend, onBusy } from './backend.js';
import { clear } from './dom.js';
import { load, renderOpen } from './open.js';
import { keepingSelection, markSelected, moveSelection, openFinding, renderOverview, visibleFindings } from './overview.js';
import { meetingKey, renderMeeting } from './meeting.js';
import { renderMetric } from './metric.js';
import { $, announce, app, back, go, registerViews, viewEl } from './shell.js';
import { renderTeam } from './team.js';
import { renderTickets } from './tickets.js';
import { renderCoe } from './coe.js';
import { wheelJournalChanged, wheelView } from './wheel.js';
import { onJournalChange } from './live.js';
import { actionsJournalChanged } from './actions.js';

// ---------- Wheel ----------

function renderWheel() {
  wheelView(clear(viewEl()), app, { announce, openTeam: (team) => go('team', { team }) });
}

// ---------- sensitivity ----------

function setupSensitivity() {
  const input = $('sens');
  // A move is asked at once; while a re-flag is in flight, only the latest value waits, asked when it is
  // answered. An answer the slider has moved on from is not shown (the list would show another sensitivity's
  // findings under the slider's value until the next answer). So a step answers in the re-flag's own time,
  // and a drag never queues more than one re-flag behind the one running.
  let wanted = null;
  let asking = false;
  const ask = async () => {
    asking = true;
    while (wanted !== null) {
      const sensitivity = wanted;
      wanted = null;
      try {
        const ov = await backend.setSensitivity(sensitivity);
        if (wanted !== null) continue;
        keepingSelection(ov, true);
        announce(`${ov.review.counts.findings} findings at sensitivity ${sensitivity}`);
        if (app.view === 'overview') renderOverview();
        else if (app.view === 'team' || app.view === 'metric') go(app.view, app.args, false);
      } catch (e) {
        if (wanted === null) announce(e.message);
      }
    }
    asking = false;
  };
  input.addEventListener('input', () => {
    $('sens-value').textContent = `${input.value}×`;
    wanted = Number(input.value);
    if (!asking) ask();
  });
}

// ---------- keyboard ----------

function onKey(e) {
  const typing = (e.target instanceof HTMLInputElement && !['checkbox', 'range'].includes(e.target.type)) || e.target instanceof HTMLTextAreaElement;
  const inSelect = e.target instanceof HTMLSelectElement;
  // The meeting view takes its keys first (a clicker's PageDown, Esc out of presenter mode), unless the
  // host is typing a note or an action item.
  if (app.view === 'meeting' && !typing && !inSelect && !$('winner').open && !e.ctrlKey && !e.metaKey && !e.altKey && meetingKey(e)) {
    e.preventDefault();
    return;
  }
  if (e.key === 'Escape') {
    if ($('winner').open) return; // the dialog handles its own Esc
    // Esc empties a filter box, never a document being written.
    if (typing && e.target.value && !(e.target instanceof HTMLTextAreaElement)) {
      e.target.value = '';
      e.target.dispatchEvent(new Event('input'));
      return;
    }
    if (typing) e.target.blur();
    else back();
    e.preventDefault();
    return;
  }
  if (typing || inSelect || e.ctrlKey || e.metaKey || e.altKey) return;
  if (e.key === 'm' && app.overview && app.view !== 'meeting') {
    go('meeting');
    e.preventDefault();
    return;
  }
  if (e.key === 't' && app.overview && app.tickets && app.view !== 'tickets') {
    go('tickets');
    e.preventDefault();
    return;
  }
  if (app.view === 'overview') {
    if (e.key === 'j' || e.key === 'ArrowDown') moveSelection(1);
    else if (e.key === 'k' || e.key === 'ArrowUp') moveSelection(-1);
    else if (e.key === 'Enter') {
      const f = visibleFindings()[app.selected];
      if (f) openFinding(f);
    } else if (e.key === '/') $('filter-text')?.focus();
    else if (e.key === 'e') markSelected('expected');
    else if (e.key === 'n') markSelected('noise');
    else if (e.key === 'x') markSelected('needs_action');
    else if (e.key === '[' && !$('week-earlier').hidden) $('week-earlier').click();
    else if (e.key === ']' && !$('week-later').hidden && !$('week-later').disabled) $('week-later').click();
    else return;
    e.preventDefault();
  }
}

// ---------- start ----------

async function start() {
  registerViews({ open: renderOpen, overview: renderOverview, team: renderTeam, metric: renderMetric, wheel: renderWheel, tickets: renderTickets, coe: renderCoe, meeting: renderMeeting });
  for (const b of document.querySelectorAll('[data-nav]')) {
    b.addEventListener('click', () => b.dataset.nav === 'open' ? go('open') : app.overview && go(b.dataset.nav));
  }
  document.addEventListener('keydown', onKey);
  // Anything that takes longer than 200 ms says so; the window keeps answering meanwhile.
  onBusy((labels) => {
    const el = $('busy');
    el.hidden = !labels.length;
    el.textContent = labels.length ? labels[labels.length - 1] + '…' : '';
    document.body.toggleAttribute('aria-busy', labels.length > 0);
  });
  setupSensitivity();
  // What others write shows as it happens: the action items and the wheel refresh themselves.
  onJournalChange(() => [actionsJournalChanged(), app.view === 'wheel' ? wheelJournalChanged() : true].every(Boolean));
  go('open', {}, false);
  try {
    const info = await backend.appInfo();
    if (info.open_at_start) load(info.open_at_start);
  } catch (e) {
    renderOpen({ error: e });
  }
}

start();
