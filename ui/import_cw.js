// Import CloudWatch dashboards from the Open view: dashboard names (read with the standard AWS
// credentials of this machine) or dashboard body files, a preview of what will be imported and what will
// not, then the new workspace is written and opened.

import { backend } from './backend.js';
import { clear, h } from './dom.js';
import { lines, writeButton } from './import.js';
import { errorPanel } from './shell.js';

export function cloudwatchImportPanel() {
  const source = h('input', { type: 'text', placeholder: 'dashboard names in CloudWatch, or body.json files (space-separated)', 'aria-label': 'Dashboard names or files', 'data-testid': 'cw-import-source', spellcheck: 'false' });
  const region = h('input', { type: 'text', placeholder: 'AWS_REGION or the profile\'s', 'aria-label': 'Region', 'data-testid': 'cw-import-region', spellcheck: 'false' });
  const profile = h('input', { type: 'text', placeholder: 'AWS_PROFILE or default', 'aria-label': 'Profile', 'data-testid': 'cw-import-profile', spellcheck: 'false' });
  const team = h('input', { type: 'text', placeholder: 'the dashboard\'s name', 'aria-label': 'Team', 'data-testid': 'cw-import-team' });
  const without = h('input', { type: 'checkbox', 'data-testid': 'cw-import-without-lines' });
  const result = h('div', { class: 'import-preview', 'aria-live': 'polite', 'data-testid': 'cw-import-preview' });
  const field = (label, input, hint) => h('label', { class: 'field' }, h('span', {}, label), input, hint ? h('small', { class: 'muted' }, hint) : null);
  const form = h(
    'form',
    { class: 'import-form', 'data-testid': 'cw-import-form' },
    h('div', { class: 'path-row' }, source, h('button', { type: 'button', 'data-testid': 'cw-import-pick', onclick: async () => {
      const p = await backend.pickDashboard().catch(() => null);
      if (p) source.value = p;
    } }, 'Choose a file…')),
    h('div', { class: 'import-fields' },
      field('Region', region, 'credentials come from this machine\'s AWS setup (environment, ~/.aws, SSO): never stored'),
      field('Profile', profile),
      field('Team', team),
    ),
    h('label', { class: 'toggle' }, without, ' graphs without annotations or alarms too (no lines)'),
    h('div', { class: 'row' }, h('button', { type: 'submit', class: 'primary', 'data-testid': 'cw-import-preview-button' }, 'Preview')),
  );
  form.addEventListener('submit', async (ev) => {
    ev.preventDefault();
    clear(result).append(h('p', { class: 'muted' }, 'Reading the dashboards…'));
    try {
      const p = await backend.importCloudwatchPreview({
        sources: source.value.split(/\s+/).filter(Boolean),
        region: region.value,
        profile: profile.value,
        team: team.value,
        without_lines: without.checked,
      });
      showPreview(result, p);
    } catch (e) {
      clear(result).append(errorPanel(e, 'Could not read the dashboards'));
    }
  });
  return h('section', { class: 'import card', 'data-testid': 'cw-import' }, h('h2', {}, 'Import CloudWatch dashboards'), form, result);
}

function showPreview(root, p) {
  const i = p.import;
  const ready = i.metrics.length > 0 && i.region;
  const write = writeButton(root, i.metrics.length, ready, 'cw-import-write');
  clear(root).append(
    h('p', { 'data-testid': 'cw-import-summary' },
      h('strong', {}, `${i.metrics.length} metric${i.metrics.length === 1 ? '' : 's'}`),
      ` from ${i.sources.length} dashboard${i.sources.length === 1 ? '' : 's'} · teams: ${i.teams.map((t) => t.name).join(', ') || '—'} · `,
      i.region ? `region ${i.region} (${i.region_from})` : h('span', { class: 'warn' }, 'give the region above: the dashboards do not say it'),
    ),
    i.metrics.length
      ? h('table', { class: 'import-metrics' },
          h('thead', {}, h('tr', {}, ['Team', 'Service', 'Metric', 'Lines', 'Query'].map((c) => h('th', {}, c)))),
          h('tbody', {}, i.metrics.map((m, k) => h('tr', { 'data-testid': 'cw-import-metric', title: m.notes.join('\n') },
            h('td', {}, m.team), h('td', {}, m.service), h('td', {}, m.name), h('td', {}, lines(m)), h('td', {}, h('code', {}, p.queries[k]))))))
      : null,
    i.skipped.length
      ? h('details', { class: 'import-skipped', open: true }, h('summary', {}, `Not imported (${i.skipped.length})`),
          h('ul', {}, i.skipped.map((s) => h('li', { 'data-testid': 'cw-import-skipped' }, h('strong', {}, `${s.dashboard} · ${s.widget}`), `: ${s.reason}`))))
      : null,
    h('p', { class: 'muted', 'data-testid': 'cw-import-folder' }, `To be written to ${p.folder}/flywheel.toml`),
    h('div', { class: 'row' }, write),
  );
}
