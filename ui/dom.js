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

// A number with its unit, like the core's reports (4 significant digits).
export function fmt(v, unit) {
  if (v === null || v === undefined || !Number.isFinite(v)) return '—';
  const a = Math.abs(v);
  let t;
  if (a !== 0 && (a >= 1e6 || a < 1e-3)) t = v.toExponential(2);
  else t = Number(v.toPrecision(4)).toLocaleString('en-US', { maximumFractionDigits: 3 });
  if (!unit) return t;
  if (unit === '%') return t + '%';
  return t + ' ' + unit;
}
