// The one module that talks to the Rust backend. Every view calls these functions and nothing else,
// so the UI can run against a mock: set `window.__FLYWHEEL_MOCK__` to an object with the same
// functions before app.js loads.
//
// Errors arrive as {code, message, details}; views branch on `code`.

const tauri = () => window.__TAURI__;

function call(cmd, args = {}) {
  const t = tauri();
  if (!t) return Promise.reject({ code: 'no_backend', message: 'The Flywheel backend is not available.', details: [] });
  return t.core.invoke(cmd, args).catch((e) =>
    Promise.reject(typeof e === 'object' && e && e.code ? e : { code: 'internal', message: String(e), details: [] }),
  );
}

const real = {
  appInfo: () => call('app_info'),
  samplePath: () => call('sample_path'),
  recentWorkspaces: () => call('recent_workspaces'),
  pickPath: (folder) => call('pick_path', { folder }),
  // onProgress({stage, done, total}) is called while the workspace loads.
  // refresh: pull again from the Prometheus server what the cache took while it was still recent.
  openWorkspace: (path, onProgress, refresh = false) => {
    const ch = new (tauri().core.Channel)();
    ch.onmessage = onProgress;
    return call('open_workspace', { path, refresh, onProgress: ch });
  },
  cancelLoad: () => call('cancel_load'),
  setSensitivity: (sensitivity) => call('set_sensitivity', { sensitivity }),
  teamView: (team, width) => call('team_view', { team, width: Math.round(width) }),
  metricDetail: (metric, o) =>
    call('metric_detail', { metric, width: Math.round(o.width), height: Math.round(o.height), lastWeek: o.lastWeek, earlierWeeks: o.earlierWeeks }),
  openLink: (url) => call('open_link', { url }),
  wheelState: (absent) => call('wheel_state', { absent }),
  wheelSpin: (absent) => call('wheel_spin', { absent }),
  wheelDecide: (decision) => call('wheel_decide', { decision }),
  // filter: {live, status, owner, team, overdue_on}; the overview asks for {live: true}.
  actionItems: (filter = { live: true }) => call('action_items', { filter }),
  editAction: (id, draft) => call('edit_action', { id, draft }),
  addAnnotation: (draft) => call('add_annotation', { draft }),
  addAction: (draft) => call('add_action', { draft }),
  setActionStatus: (id, status) => call('set_action_status', { id, status }),
};

export const backend = window.__FLYWHEEL_MOCK__ || real;
