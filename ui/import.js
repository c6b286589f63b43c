// Import Grafana dashboards from the Open view: a file or a Grafana address (with the environment
// variable holding the token), a preview of what will be imported and what will not, then the new
// workspace is written and opened.

import { backend } from './backend.js';
import { clear, fmt, h } from './dom.js';
import { load } from './open.js';
import { announce, errorPanel } from './shell.js';

export function importPanel() {
  const source = h('input', { type: 'text', placeholder: 'dashboard.json, or https://grafana.example.com/d/<uid> (a folder: …/dashboards/f/<uid>)', 'aria-label': 'Dashboard file or Grafana address', 'data-testid': 'import-source', spellcheck: 'false' });
  const token = h('input', { type: 'text', value: 'GRAFANA_TOKEN', 'aria-label': 'Token variable', 'data-testid': 'import-token-env', spellcheck: 'false' });
  const team = h('input', { type: 'text', placeholder: 'its folder, else its title', 'aria-label': 'Team', 'data-testid': 'import-team' });
  const prometheus = h('input', { type: 'text', placeholder: 'from the data source, when Grafana says it', 'aria-label': 'Prometheus address', 'data-testid': 'import-prometheus', spellcheck: 'false' });
  const without = h('input', { type: 'checkbox', 'data-testid': 'import-without-lines' });
  const result = h('div', { class: 'import-preview', 'aria-live': 'polite', 'data-testid': 'import-preview' });
  const field = (label, input, hint) => h('label', { class: 'field' }, h('span', {}, label), input, hint ? h('small', { class: 'muted' }, hint) : null);
  const preview = async () => {
    clear(result).append(h('p', { class: 'muted' }, 'Reading the dashboards…'));
    try {
      const p = await backend.importPreview({
        sources: source.value.split(/\s+/).filter(Boolean),
        team: team.value,
        prometheus: prometheus.value,
        token_env: token.value,
        without_lines: without.checked,
      });
      showPreview(result, p);
    } catch (e) {
      clear(result).append(errorPanel(e, 'Could not read the dashboards'));
    }
  };
  const form = h(
    'form',
    { class: 'import-form', 'data-testid': 'import-form' },
    h('div', { class: 'path-row' }, source, h('button', { type: 'button', 'data-testid': 'import-pick', onclick: async () => {
      const p = await backend.pickDashboard().catch(() => null);
      if (p) source.value = p;
    } }, 'Choose a file…')),
    h('div', { class: 'import-fields' },
      field('Token variable', token, 'for a Grafana address: the environment variable holding a service-account token (never stored)'),
      field('Team', team),
      field('Prometheus address', prometheus),
    ),
    h('label', { class: 'toggle' }, without, ' panels without thresholds too (no lines)'),
    h('div', { class: 'row' }, h('button', { type: 'submit', class: 'primary', 'data-testid': 'import-preview-button' }, 'Preview')),
  );
  form.addEventListener('submit', (ev) => {
    ev.preventDefault();
    preview();
  });
  return h('section', { class: 'import card', 'data-testid': 'import' }, h('h2', {}, 'Import Grafana dashboards'), form, result);
}

// A metric's lines as the preview says them ("alarm ≥ 600 ms · investigate ≥ 400 ms").
export function lines(m) {
  const dir = m.worse === 'lower' ? '≤' : '≥';
  const parts = [];
  if (m.alarm !== null) parts.push(`alarm ${dir} ${fmt(m.alarm, m.unit)}`);
  if (m.investigation !== null) parts.push(`investigate ${dir} ${fmt(m.investigation, m.unit)}`);
  return parts.join(' · ') || 'no lines';
}

function showPreview(root, p) {
  const i = p.import;
  const ready = i.metrics.length > 0 && i.prometheus;
  const write = writeButton(root, i.metrics.length, ready, 'import-write');
  clear(root).append(
    h('p', { 'data-testid': 'import-summary' },
      h('strong', {}, `${i.metrics.length} metric${i.metrics.length === 1 ? '' : 's'}`),
      ` from ${i.sources.length} dashboard${i.sources.length === 1 ? '' : 's'} · teams: ${i.teams.map((t) => t.name).join(', ') || '—'} · `,
      i.prometheus ? `Prometheus: ${i.prometheus} (${i.prometheus_from})` : h('span', { class: 'warn', 'data-testid': 'import-needs-prometheus' }, 'give the Prometheus address above: the dashboards do not say it'),
    ),
    i.metrics.length
      ? h('table', { class: 'import-metrics' },
          h('thead', {}, h('tr', {}, ['Team', 'Service', 'Metric', 'Unit', 'Lines', 'Query'].map((c) => h('th', {}, c)))),
          h('tbody', {}, i.metrics.map((m) => h('tr', { 'data-testid': 'import-metric', title: m.notes.join('\n') },
            h('td', {}, m.team), h('td', {}, m.service), h('td', {}, m.name), h('td', {}, m.unit), h('td', {}, lines(m)), h('td', {}, h('code', {}, m.promql))))))
      : null,
    i.skipped.length
      ? h('details', { class: 'import-skipped', open: true }, h('summary', {}, `Not imported (${i.skipped.length})`),
          h('ul', {}, i.skipped.map((s) => h('li', { 'data-testid': 'import-skipped' }, h('strong', {}, `${s.dashboard} · ${s.panel}`), `: ${s.reason}`))))
      : null,
    h('p', { class: 'muted', 'data-testid': 'import-folder' }, `To be written to ${p.folder}/flywheel.toml`),
    h('div', { class: 'row' }, write),
  );
}

// "Import and open": writes the previewed import (Grafana or CloudWatch) and opens it.
export function writeButton(root, count, ready, testid) {
  const write = h('button', { type: 'button', class: 'primary', 'data-testid': testid, disabled: !ready }, 'Import and open');
  write.addEventListener('click', async () => {
    write.disabled = true;
    try {
      const folder = await backend.importWrite();
      announce(`Imported ${count} metrics into ${folder}`);
      load(folder);
    } catch (e) {
      write.disabled = false;
      root.append(errorPanel(e, 'Could not write the workspace'));
    }
  });
  return write;
}
