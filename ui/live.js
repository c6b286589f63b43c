// What others wrote, shown as it happens: once a second (while the window is visible and a workspace is
// open) ask the backend for the journal's state; when it changed, every registered panel refreshes
// (action items, the wheel) and a quiet mark says who changed it. A journal that cannot be reached (a
// shared server down) is said in the same place, and everything refreshes when it is back.

import { backend } from './backend.js';
import { $, app } from './shell.js';

const POLL_MS = 1000;
const hooks = [];
let last = null;
let failing = false;
let timer = null;
let fade = null;

// f(changes) runs whenever the journal changed since the last look. It returns false when it cannot
// refresh now (someone is typing in the panel): it is asked again at the next look.
export function onJournalChange(f) {
  hooks.push(f);
}

// Start polling (once); a newly opened workspace starts from its own state.
export function startLive() {
  last = null;
  if (!timer) timer = setInterval(poll, POLL_MS);
}

function mark(text, problem = false, detail = '') {
  const el = $('live-mark');
  if (!el) return;
  clearTimeout(fade);
  el.textContent = text;
  el.title = detail;
  el.classList.toggle('problem', problem);
  el.hidden = !text;
  if (text && !problem) fade = setTimeout(() => (el.hidden = true), 15000);
}

let polling = false;
async function poll() {
  if (!app.overview || document.hidden || polling) return;
  polling = true;
  try {
    const c = await backend.journalChanges();
    const changed = last !== null && c.token !== last;
    const wasFailing = failing;
    if (failing) {
      failing = false;
      mark('');
    }
    if (changed && !c.mine) mark(c.by ? `updated by ${c.by}` : 'updated');
    const recovered = wasFailing;
    let settled = true;
    if (changed || recovered) settled = hooks.map((f) => f(c) !== false).every(Boolean);
    if (settled) last = c.token;
  } catch (e) {
    failing = true;
    // Short in the header (the panels say the whole reason); the whole reason on hover.
    mark('Journal unavailable', true, e.message);
  } finally {
    polling = false;
  }
}
