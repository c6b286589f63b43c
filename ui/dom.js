// Building DOM without markup strings: every piece of user text goes through textContent or an
// attribute, so a team, metric or note containing HTML stays inert text.

const SVG_NS = 'http://www.w3.org/2000/svg';

// h('div', {class: 'x', onclick: f}, child, 'text', [more children])
export function h(tag, attrs = {}, ...children) {
  const el = document.createElement(tag);
  return fill(el, attrs, children);
}

export function s(tag, attrs = {}, ...children) {
  const el = document.createElementNS(SVG_NS, tag);
  return fill(el, attrs, children);
}

function fill(el, attrs, children) {
  for (const [k, v] of Object.entries(attrs || {})) {
    if (v === undefined || v === null || v === false) continue;
    if (k.startsWith('on') && typeof v === 'function') el.addEventListener(k.slice(2), v);
    else if (k === 'dataset') Object.assign(el.dataset, v);
    else el.setAttribute(k, v === true ? '' : String(v));
  }
  for (const c of children.flat(Infinity)) {
    if (c === undefined || c === null || c === false) continue;
    el.append(c instanceof Node ? c : document.createTextNode(String(c)));
  }
  return el;
}

export function clear(el) {
  while (el.firstChild) el.removeChild(el.firstChild);
  return el;
}

// A chart SVG from the core, shown as an image: an <img> never runs script, whatever the SVG holds.
export function svgImage(svg, alt) {
  return h('img', { src: 'data:image/svg+xml;charset=utf-8,' + encodeURIComponent(svg), alt, class: 'chart-img', draggable: 'false' });
}

// A number with its unit, by the core's rule (`text::value` in src/text.rs; the end-to-end test checks
// that both give the same text): 3 significant digits, thousands as `k` from 10,000, an exponent from
// 10 million.
export function fmt(v, unit) {
  if (v === null || v === undefined || !Number.isFinite(v)) return '—';
  const a = Math.abs(v);
  let t;
  if (a >= 1e7) t = v.toExponential(2).replace('e+', 'e');
  else if (a >= 10000) t = ((round(v / 100) / 10).toFixed(1) + 'k').replace('.0k', 'k');
  else t = plain(roundSig(v, 3));
  if (!unit || !unit.trim()) return t;
  if (unit.trim() === '%') return t + '%';
  return t + ' ' + unit.trim();
}

// Rust's f64::round: halves away from zero.
const round = (x) => Math.sign(x) * Math.round(Math.abs(x));

function roundSig(v, digits) {
  if (v === 0) return v;
  const mag = Math.pow(10, digits - 1 - Math.floor(Math.log10(Math.abs(v))));
  return round(v * mag) / mag;
}

// `config::fmt_num`: integers as integers, otherwise 1–6 decimals by size, trailing zeros dropped.
function plain(v) {
  if (v === Math.trunc(v) && Math.abs(v) < 1e15) return String(Math.trunc(v) || 0);
  const a = Math.abs(v);
  const decimals = a >= 100 ? 1 : a >= 1 ? 2 : a >= 0.01 ? 4 : 6;
  return v.toFixed(decimals).replace(/0+$/, '').replace(/\.$/, '');
}
