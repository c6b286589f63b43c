// A long list that keeps only the rows near the screen in the page, so an organisation's thousands of
// findings open, scroll, filter and follow the keyboard as fast as a team's dozens, and the page's memory
// does not grow with the list.
//
// The rows on screen, and MARGIN rows beyond each edge of it, are real elements; the rest are two spacers
// sized at the rendered rows' average height, so the scrollbar reads the whole list. When the screen nears
// a spacer the window moves, and the first row on screen stays where it was on screen, so the content does
// not jump when estimated heights give way to real ones. The page (the window) is what scrolls.

import { clear, h } from './dom.js';

const MARGIN = 12; // rows kept beyond each edge of the screen
const MIN_ROWS = 40; // at least this many rows rendered when there are that many (a tall screen, a first paint)

let active = null;
let pending = false;
function schedule() {
  if (pending) return;
  pending = true;
  requestAnimationFrame(() => {
    pending = false;
    if (active?.list.isConnected) active.follow();
  });
}
addEventListener('scroll', schedule, { passive: true });
addEventListener('resize', schedule);

export class Windowed {
  // `list`: the <ol> (a listbox); `items`: what it lists; `row(item, index)`: the <li> of one item.
  // `estimate`: a row height to start from (a previous list's), in pixels.
  constructor(list, items, row, estimate = 64) {
    this.list = list;
    this.items = items;
    this.row = row;
    this.avg = estimate;
    this.start = 0;
    this.end = 0;
    this.els = [];
    active = this;
  }

  // Draw the rows about where the page is scrolled to now (the top on a first drawing).
  open() {
    const first = Math.min(Math.max(0, this.items.length - 1), Math.floor(Math.max(0, -this.list.getBoundingClientRect().top) / this.avg));
    this.around(first, first, null);
    this.follow();
    return this;
  }

  // The element of item `i` when it is drawn.
  el(i) {
    return i >= this.start && i < this.end ? this.els[i - this.start] : null;
  }

  // Item `i`'s element, drawing the rows around it first when it is not drawn: a screen's worth either side,
  // so that wherever it is then scrolled to on screen, the rows are there without drawing them again.
  show(i) {
    if (!this.el(i)) {
      const screen = Math.ceil(innerHeight / this.avg);
      this.around(Math.max(0, i - screen), Math.min(this.items.length - 1, i + screen), null);
    }
    return this.el(i);
  }

  // Move the drawn rows with the screen when it nears either spacer.
  follow() {
    const n = this.items.length;
    if (!n) return;
    const top = this.list.getBoundingClientRect().top;
    const first = this.indexAt(Math.max(0, -top));
    const last = this.indexAt(Math.max(0, innerHeight - top));
    const near = MARGIN / 3;
    if (!(this.start > 0 && first < this.start + near) && !(this.end < n && last >= this.end - near)) return;
    this.around(first, last, this.el(first) ? first : null);
  }

  // Draw items `first` to `last` with MARGIN rows either side (MIN_ROWS at least); see render for `anchor`.
  around(first, last, anchor) {
    const start = Math.max(0, first - MARGIN);
    this.render(start, Math.min(this.items.length, Math.max(last + MARGIN + 1, start + MIN_ROWS)), anchor);
  }

  // The item at `y` pixels below the list's top edge (estimated inside the spacers).
  indexAt(y) {
    const n = this.items.length;
    const above = this.start * this.avg;
    if (y < above || !this.els.length) return Math.min(n - 1, Math.floor(y / this.avg));
    let lo = 0;
    let hi = this.els.length - 1;
    const last = this.els[hi];
    const bottom = last.offsetTop + last.offsetHeight;
    if (y >= bottom) return Math.min(n - 1, this.end + Math.floor((y - bottom) / this.avg));
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      const e = this.els[mid];
      if (e.offsetTop + e.offsetHeight > y) hi = mid;
      else lo = mid + 1;
    }
    return this.start + lo;
  }

  // Draw items [start, end) between spacers; item `anchor`, when given and drawn, keeps its place on screen.
  render(start, end, anchor) {
    const began = performance.now();
    const n = this.items.length;
    const kept = anchor === null ? null : this.el(anchor);
    const was = kept ? kept.getBoundingClientRect().top : 0;
    const spacer = () => h('li', { class: 'spacer', role: 'presentation', 'aria-hidden': 'true' });
    const above = start > 0 ? spacer() : null;
    const below = end < n ? spacer() : null;
    this.els = [];
    for (let i = start; i < end; i++) {
      const el = this.row(this.items[i], i);
      el.dataset.index = String(i);
      el.setAttribute('aria-posinset', String(i + 1));
      el.setAttribute('aria-setsize', String(n));
      this.els.push(el);
    }
    // The spacers take their height before the page is laid out again: a page shorter for a moment would
    // pull the scroll position up with it.
    const size = () => {
      if (above) above.style.height = `${start * this.avg}px`;
      if (below) below.style.height = `${(n - end) * this.avg}px`;
    };
    size();
    clear(this.list).append(...[above, ...this.els, below].filter(Boolean));
    this.start = start;
    this.end = end;
    // The rows' average height, measured (a hidden list measures nothing and keeps the estimate).
    let sum = 0;
    for (const el of this.els) sum += el.offsetHeight;
    if (sum > 0) this.avg = sum / this.els.length;
    size();
    if (kept) {
      const now = this.el(anchor);
      if (now) scrollBy(0, now.getBoundingClientRect().top - was);
    }
    // What drawing the rows took (their layout included), for whoever measures the app (the e2e test observes
    // it); only the latest is kept.
    performance.clearMeasures('flywheel:rows');
    performance.measure('flywheel:rows', { start: began });
  }
}
