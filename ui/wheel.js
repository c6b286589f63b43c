// The wheel view: sectors sized to the real odds, the winner drawn in Rust first and the animation
// landing exactly on it, a winner dialog (Present / Absent / Cancel), the odds and history tables.
// Space spins; the result is announced; reduced motion skips the animation; an optional tick sound.

import { backend } from './backend.js';
import { h, s, clear } from './dom.js';

const R = 190;
const C = 210;
// Colour-blind-safe palette (Okabe–Ito and friends); every sector also carries its team's name.
const COLOURS = ['#0072B2', '#E69F00', '#009E73', '#CC79A7', '#56B4E9', '#D55E00', '#F0E442', '#7f7f7f', '#332288', '#117733', '#AA4499', '#88CCEE'];

const wheel = {
  absent: new Set(),
  rotation: 0, // degrees, clockwise
  spinning: false,
  duration: Number(localStorage.getItem('flywheel.spinSeconds') || 4),
  tick: localStorage.getItem('flywheel.tick') === '1',
  state: null,
};

function polar(frac, r = R) {
  const a = frac * 2 * Math.PI;
  return [C + r * Math.sin(a), C - r * Math.cos(a)];
}

function sectorPath(a, b) {
  if (b - a >= 0.999999) return `M ${C} ${C - R} A ${R} ${R} 0 1 1 ${C - 0.01} ${C - R} Z`;
  const [x0, y0] = polar(a);
  const [x1, y1] = polar(b);
  return `M ${C} ${C} L ${x0} ${y0} A ${R} ${R} 0 ${b - a > 0.5 ? 1 : 0} 1 ${x1} ${y1} Z`;
}

function drawWheel(seats) {
  const svg = s('svg', { viewBox: `0 0 ${2 * C} ${2 * C + 10}`, class: 'wheel-svg', role: 'img', 'aria-label': 'The wheel: sector sizes are each team\'s odds', 'data-testid': 'wheel' });
  const g = s('g', { id: 'wheel-rotor', transform: `rotate(${wheel.rotation} ${C} ${C})` });
  let acc = 0;
  seats.forEach((seat, i) => {
    if (seat.odds <= 0) return;
    const a = acc;
    const b = acc + seat.odds;
    acc = b;
    const colour = COLOURS[i % COLOURS.length];
    g.append(s('path', { d: sectorPath(a, b), fill: colour, stroke: 'var(--bg)', 'stroke-width': 2, class: 'sector', 'data-testid': 'sector', 'data-team': seat.name, 'data-start': a, 'data-end': b }));
    if (b - a > 0.025) {
      const mid = (a + b) / 2;
      const [x, y] = polar(mid, R * 0.58);
      const deg = mid * 360 - 90;
      const flip = mid > 0.5 ? 180 : 0;
      const label = seat.name.length > 18 ? seat.name.slice(0, 17) + '…' : seat.name;
      g.append(s('text', { x, y, transform: `rotate(${deg + flip} ${x} ${y})`, 'text-anchor': 'middle', 'dominant-baseline': 'middle', class: 'sector-label' + (i % COLOURS.length === 6 ? ' dark' : '') }, label));
    }
  });
  svg.append(g);
  svg.append(s('circle', { cx: C, cy: C, r: 16, class: 'hub' }));
  svg.append(s('path', { d: `M ${C - 14} 2 L ${C + 14} 2 L ${C} 34 Z`, class: 'pointer', 'data-testid': 'pointer' }));
  return svg;
}

let audio = null;
function tick() {
  if (!wheel.tick) return;
  audio = audio || new AudioContext();
  const o = audio.createOscillator();
  const gain = audio.createGain();
  o.frequency.value = 1400;
  gain.gain.setValueAtTime(0.08, audio.currentTime);
  gain.gain.exponentialRampToValueAtTime(0.0001, audio.currentTime + 0.03);
  o.connect(gain).connect(audio.destination);
  o.start();
  o.stop(audio.currentTime + 0.035);
}

// Rotate so that the fraction `at` of the wheel ends under the pointer (at the top).
function animateTo(at, seats) {
  const reduce = matchMedia('(prefers-reduced-motion: reduce)').matches;
  const start = wheel.rotation;
  const target = (((360 - at * 360) % 360) + 360) % 360;
  const base = start - (((start % 360) + 360) % 360);
  const end = base + 360 * (reduce ? 1 : 5) + target;
  const rotor = document.getElementById('wheel-rotor');
  const bounds = [];
  let acc = 0;
  for (const seat of seats) if (seat.odds > 0) bounds.push((acc += seat.odds));
  const sectorAt = (rot) => {
    const f = ((((-rot % 360) + 360) % 360) / 360);
    return bounds.findIndex((b) => f < b);
  };
  return new Promise((resolve) => {
    if (reduce || wheel.duration <= 0) {
      wheel.rotation = end;
      rotor.setAttribute('transform', `rotate(${end} ${C} ${C})`);
      return resolve();
    }
    const t0 = performance.now();
    const ms = wheel.duration * 1000;
    let last = sectorAt(start);
    const frame = (now) => {
      const p = Math.min(1, (now - t0) / ms);
      const eased = 1 - Math.pow(1 - p, 4);
      const rot = start + (end - start) * eased;
      rotor.setAttribute('transform', `rotate(${rot} ${C} ${C})`);
      const here = sectorAt(rot);
      if (here !== last) {
        tick();
        last = here;
      }
      if (p < 1) requestAnimationFrame(frame);
      else {
        wheel.rotation = end;
        resolve();
      }
    };
    requestAnimationFrame(frame);
  });
}

function pct(p) {
  return (p * 100).toFixed(1) + '%';
}

// Someone else changed the wheel (a spin confirmed on another laptop): show it as it is now, unless a
// spin is running here (its decision will say so).
export function wheelJournalChanged() {
  if (!wheel.onJournal || wheel.spinning) return !wheel.spinning;
  wheel.onJournal();
  return true;
}

export async function wheelView(root, app, { announce, openTeam }) {
  const stage = h('div', { class: 'wheel-stage' });
  const spinBtn = h('button', { type: 'button', class: 'primary big', 'data-testid': 'spin', 'aria-keyshortcuts': 'Space' }, 'Spin (Space)');
  const odds = h('table', { class: 'odds', 'data-testid': 'odds' });
  const history = h('table', { class: 'history', 'data-testid': 'history' });
  const status = h('p', { class: 'muted', 'data-testid': 'wheel-status' });
  const dur = h('select', { 'aria-label': 'Spin length', 'data-testid': 'spin-seconds' }, [0, 2, 4, 6].map((v) => h('option', { value: v, selected: v === wheel.duration }, v ? `${v} s spin` : 'no animation')));
  dur.addEventListener('change', () => {
    wheel.duration = Number(dur.value);
    localStorage.setItem('flywheel.spinSeconds', dur.value);
  });
  const tickBox = h('input', { type: 'checkbox', checked: wheel.tick });
  tickBox.addEventListener('change', () => {
    wheel.tick = tickBox.checked;
    localStorage.setItem('flywheel.tick', tickBox.checked ? '1' : '0');
  });
  root.append(
    h(
      'section',
      { class: 'wheel-view' },
      h('div', { class: 'wheel-left' }, stage, h('div', { class: 'wheel-controls' }, spinBtn, dur, h('label', { class: 'toggle' }, tickBox, ' tick sound')), status),
      h('div', { class: 'wheel-right' }, h('h2', {}, 'Odds this week'), odds, h('h2', {}, 'History'), history),
    ),
  );

  const refresh = (st) => {
    wheel.state = st;
    clear(stage).append(drawWheel(st.seats));
    clear(odds).append(
      h('thead', {}, h('tr', {}, h('th', {}, 'Team'), h('th', {}, 'Odds'), h('th', {}, 'Weight'), h('th', {}, 'Absent this week'))),
      h(
        'tbody',
        {},
        st.seats.map((seat, i) => {
          const box = h('input', { type: 'checkbox', checked: seat.absent, 'aria-label': `${seat.name} is absent this week`, 'data-testid': 'absent', dataset: { team: seat.name } });
          box.addEventListener('change', async () => {
            if (box.checked) wheel.absent.add(seat.name);
            else wheel.absent.delete(seat.name);
            try {
              refresh(await backend.wheelState([...wheel.absent]));
            } catch (e) {
              wheel.absent.delete(seat.name);
              box.checked = false;
              status.textContent = e.message;
            }
          });
          return h(
            'tr',
            { 'data-testid': 'odds-row', dataset: { team: seat.name } },
            h('td', {}, h('span', { class: 'swatch', style: null, dataset: { colour: i % COLOURS.length } }), seat.name),
            h('td', { class: 'num' }, pct(seat.odds)),
            h('td', { class: 'num' }, seat.weight.toFixed(2)),
            h('td', {}, box),
          );
        }),
      ),
    );
    clear(history).append(
      h('thead', {}, h('tr', {}, h('th', {}, 'When'), h('th', {}, 'Team'), h('th', {}, 'Outcome'), h('th', {}, 'Odds'), h('th', {}, 'Absent'), h('th', {}, 'By'))),
      h(
        'tbody',
        {},
        st.history.length
          ? st.history.map((sp) =>
              h(
                'tr',
                { 'data-testid': 'history-row', dataset: { team: sp.winner, outcome: sp.outcome } },
                h('td', {}, new Date(sp.at * 1000).toLocaleString('en-GB', { dateStyle: 'medium', timeStyle: 'short' })),
                h('td', {}, sp.winner),
                h('td', {}, sp.outcome),
                h('td', { class: 'num' }, pct((sp.odds.find(([t]) => t === sp.winner) || [0, 0])[1])),
                h('td', {}, sp.absent.join(', ')),
                h('td', { class: 'muted' }, sp.author === 'unknown' ? '' : sp.author || ''),
              ),
            )
          : h('tr', {}, h('td', { colspan: 6, class: 'muted' }, 'No spins yet.')),
      ),
    );
    // Swatch colours are set through the CSSOM (allowed by the strict CSP; inline style attributes are not).
    for (const sw of odds.querySelectorAll('.swatch')) sw.style.background = COLOURS[Number(sw.dataset.colour)];
  };

  wheel.onJournal = async () => {
    if (!root.isConnected) return;
    try {
      refresh(await backend.wheelState([...wheel.absent]));
    } catch (e) {
      status.textContent = e.message;
    }
  };

  const spin = async () => {
    if (wheel.spinning || !wheel.state) return;
    wheel.spinning = true;
    spinBtn.disabled = true;
    status.textContent = 'Spinning…';
    try {
      const absent = [...wheel.absent];
      const pick = await backend.wheelSpin(absent);
      const seats = wheel.state.seats.map((seat) => ({ ...seat, odds: (pick.odds.find(([t]) => t === seat.name) || [0, 0])[1] }));
      clear(stage).append(drawWheel(seats));
      await animateTo(pick.at, seats);
      const p = (pick.odds.find(([t]) => t === pick.winner) || [0, 0])[1];
      status.textContent = `${pick.winner} (odds ${pct(p)})`;
      announce(`The wheel picked ${pick.winner}, with odds of ${pct(p)}.`);
      const decision = await ask(pick.winner, p);
      const st = await backend.wheelDecide(decision);
      if (decision === 'present') {
        wheel.absent.clear();
        openTeam(pick.winner, absent);
        return;
      }
      if (decision === 'absent') {
        wheel.absent.add(pick.winner);
        refresh(await backend.wheelState([...wheel.absent]));
        wheel.spinning = false;
        await spin();
        return;
      }
      refresh(st);
    } catch (e) {
      status.textContent = e.message;
      announce(e.message);
    } finally {
      wheel.spinning = false;
      spinBtn.disabled = false;
    }
  };
  spinBtn.addEventListener('click', spin);
  const onSpace = (e) => {
    if (!document.body.contains(root) || !['wheel', 'meeting'].includes(document.body.dataset.view)) return document.removeEventListener('keydown', onSpace);
    if (e.key === ' ' && !(e.target instanceof HTMLInputElement || e.target instanceof HTMLSelectElement || e.target instanceof HTMLButtonElement) && !document.getElementById('winner').open) {
      e.preventDefault();
      spin();
    }
  };
  document.addEventListener('keydown', onSpace);
  try {
    refresh(await backend.wheelState([...wheel.absent]));
  } catch (e) {
    status.textContent = e.message;
  }
}

// The winner dialog; resolves with 'present', 'absent' or 'cancel'.
function ask(team, p) {
  const dlg = document.getElementById('winner');
  document.getElementById('winner-name').textContent = team;
  document.getElementById('winner-odds').textContent = `Odds were ${pct(p)}. Present confirms and opens the team's dashboard; Absent spins again without changing anyone's weight.`;
  return new Promise((resolve) => {
    const done = (v) => {
      for (const [id, f] of handlers) document.getElementById(id).removeEventListener('click', f);
      dlg.removeEventListener('cancel', onCancel);
      if (dlg.open) dlg.close();
      resolve(v);
    };
    const handlers = [
      ['winner-present', () => done('present')],
      ['winner-absent', () => done('absent')],
      ['winner-cancel', () => done('cancel')],
    ];
    const onCancel = (e) => {
      e.preventDefault();
      done('cancel');
    };
    for (const [id, f] of handlers) document.getElementById(id).addEventListener('click', f);
    dlg.addEventListener('cancel', onCancel);
    dlg.showModal();
    document.getElementById('winner-present').focus();
  });
}
