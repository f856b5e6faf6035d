// The dashboard's state and behaviour: sign-in, routes (#/, #/agents, #/agents/<id>, #/workspaces),
// data from the Hub API, live updates from its event stream, and the actions. lit-html renders the
// whole page from `state` after every change; it only touches the DOM that changed.
import { render } from '/webjars/lit-html/lit-html.js';
import { Api, ApiError } from './api.js';
import { EventStream } from './sse.js';
import { page } from './views/page.js';
import './chart.js';

const TOKEN_KEY = 'codehub.adminToken';   // sessionStorage: gone when the tab closes
const REFRESH = 30000;                    // safety net under the event stream
const EVENTS_PAGE = 50;

const state = {
  api: null,
  signingIn: false,
  loginError: null,
  route: { name: 'overview' },
  agents: new Map(),
  workspaces: new Map(),
  history: null,
  loaded: false,
  stream: 'off',
  events: { agentId: null, items: [], next: null, available: true, loading: false },
  error: null,          // the last failed action, shown in an alert
  announcement: '',     // polite live-region text for updates that came from the stream
  dialog: null,
  busy: new Set(),
};

let stream = null;
let timers = [];
let renderQueued = false;
let focusMain = false;
let dialogOpener = null;

const root = document.getElementById('app');

/** Schedules a render of the page from the state. */
function update() {
  if (!renderQueued) {
    renderQueued = true;
    queueMicrotask(() => {
      renderQueued = false;
      render(page(state, actions), root);
      afterRender();
    });
  }
}

function afterRender() {
  const dialog = root.querySelector('dialog');
  if (dialog && !dialog.open) {
    dialog.showModal();
  }
  if (focusMain) {
    focusMain = false;
    const target = root.querySelector(state.api ? 'main h1' : '#token');
    target?.focus();
    if (!state.api && target?.value) {
      target.select();   // after a refused token: type over it
    }
  }
}

// ---- sign-in ----------------------------------------------------------------------------------

async function signIn(token) {
  token = token.trim();
  if (!token) {
    state.loginError = 'Enter the admin token.';
    update();
    return;
  }
  state.signingIn = true;
  state.loginError = null;
  update();
  const api = new Api(token, () => signOut('The hub refused the token; sign in again.'));
  try {
    // the cheapest admin call: does the hub take this token?
    state.history = await new Api(token).get('/api/v1/fleet/history');
  } catch (e) {
    state.signingIn = false;
    state.loginError = e instanceof ApiError && e.status === 401
      ? 'Wrong token: the hub did not accept it. Check it and try again.'
      : `Cannot sign in: ${e.message}`;
    focusMain = true;
    update();
    return;
  }
  sessionStorage.setItem(TOKEN_KEY, token);
  state.api = api;
  state.signingIn = false;
  focusMain = true;
  start();
}

function signOut(reason = null) {
  sessionStorage.removeItem(TOKEN_KEY);
  stream?.stop();
  stream = null;
  timers.forEach(clearInterval);
  timers = [];
  Object.assign(state, {
    api: null, loginError: reason, agents: new Map(), workspaces: new Map(), history: null, loaded: false,
    stream: 'off', error: null, announcement: '', dialog: null, busy: new Set(),
    events: { agentId: null, items: [], next: null, available: true, loading: false },
  });
  focusMain = true;
  update();
}

function start() {
  stream = new EventStream({
    url: '/api/v1/events/stream', token: state.api.token,
    onEvent: onEvent,
    onState: value => {
      const resumed = value === 'live' && state.stream === 'reconnecting';
      state.stream = value;
      if (value === 'unauthorized') {
        signOut('The hub refused the token; sign in again.');
        return;
      }
      if (resumed) {
        refreshAll();
      }
      update();
    },
  }).start();
  refreshAll();
  timers.push(setInterval(refreshAll, REFRESH));
  timers.push(setInterval(refreshHistory, (state.history?.intervalSeconds ?? 10) * 1000));
  timers.push(setInterval(update, 15000));   // relative times move on
  route();
}

// ---- data -------------------------------------------------------------------------------------

async function refreshAll() {
  if (!state.api) {
    return;
  }
  try {
    const [agents, workspaces] = await Promise.all([
      state.api.get('/api/v1/agents'), state.api.get('/api/v1/workspaces')]);
    state.agents = new Map(agents.items.map(a => [a.id, a]));
    state.workspaces = new Map(workspaces.items.map(w => [w.id, w]));
    state.loaded = true;
  } catch (e) {
    fail('Refreshing the fleet', e);
  }
  update();
}

async function refreshHistory() {
  if (!state.api) {
    return;
  }
  try {
    state.history = await state.api.get('/api/v1/fleet/history');
    update();
  } catch (e) {
    // the chart keeps its last samples; the next tick tries again
  }
}

async function refreshAgent(id) {
  try {
    state.agents.set(id, await state.api.get(`/api/v1/agents/${encodeURIComponent(id)}`));
  } catch (e) {
    if (e instanceof ApiError && e.status === 404) {
      state.agents.delete(id);
    }
  }
  update();
}

async function refreshWorkspace(id) {
  try {
    state.workspaces.set(id, await state.api.get(`/api/v1/workspaces/${encodeURIComponent(id)}`));
  } catch (e) {
    if (e instanceof ApiError && e.status === 404) {
      state.workspaces.delete(id);
    }
  }
  update();
}

async function loadEvents(agentId, more = false) {
  const events = state.events;
  if (!more) {
    Object.assign(events, { agentId, items: [], next: null, available: true });
  }
  events.loading = true;
  update();
  const query = new URLSearchParams({ agentId, limit: String(EVENTS_PAGE) });
  if (more && events.next) {
    query.set('before', events.next);
  }
  try {
    const answer = await state.api.get(`/api/v1/events?${query}`);
    if (state.events.agentId === agentId) {
      events.items = more ? events.items.concat(answer.items) : answer.items;
      events.next = answer.next ?? null;
    }
  } catch (e) {
    if (e instanceof ApiError && e.status === 404 && e.slug !== 'agent-not-found') {
      events.available = false;
    } else {
      fail('Loading the events', e);
    }
  }
  events.loading = false;
  update();
}

// ---- live updates -------------------------------------------------------------------------------

function onEvent({ id, type, data }) {
  const event = typeof data === 'object' && data !== null ? data : {};
  const eventType = event.type ?? type;
  if (eventType.startsWith('agent.') && event.agentId) {
    if (eventType === 'agent.deleted') {
      state.agents.delete(event.agentId);
      update();
    } else {
      refreshAgent(event.agentId).then(() => announceAgent(eventType, event.agentId));
    }
    if (state.events.agentId === event.agentId && !state.events.items.some(e => String(e.id) === String(event.id ?? id))) {
      state.events.items = [{ id, ...event, type: eventType }, ...state.events.items];
    }
  } else if (eventType.startsWith('workspace.') && event.workspaceId) {
    if (eventType === 'workspace.deleted') {
      const name = state.workspaces.get(event.workspaceId)?.name ?? event.workspaceId;
      state.workspaces.delete(event.workspaceId);
      announce(`Workspace ${name} deleted.`);
    } else {
      refreshWorkspace(event.workspaceId).then(() => {
        const ws = state.workspaces.get(event.workspaceId);
        if (ws && eventType === 'workspace.state-changed') {
          announce(`Workspace ${ws.name} is ${ws.state}.`);
        }
      });
    }
    if (event.agentId && state.events.agentId === event.agentId
        && !state.events.items.some(e => String(e.id) === String(event.id ?? id))) {
      state.events.items = [{ id, ...event, type: eventType }, ...state.events.items];
    }
  }
  update();
}

function announceAgent(type, agentId) {
  const agent = state.agents.get(agentId);
  const name = agent?.name ?? agentId;
  const words = {
    'agent.registered': 'registered', 'agent.connected': 'connected', 'agent.disconnected': 'disconnected',
    'agent.replaced': 'reconnected (its session was replaced)', 'agent.health-changed': `is ${agent?.status}`,
  };
  if (words[type]) {
    announce(`Agent ${name} ${words[type]}.`);
  }
}

function announce(message) {
  state.announcement = message;
  update();
}

function fail(what, error) {
  state.error = { what, message: error.message, slug: error.slug ?? null };
  update();
}

// ---- routes -------------------------------------------------------------------------------------

function route() {
  const hash = location.hash.replace(/^#\/?/, '');
  const [name, id] = hash.split('/').map(decodeURIComponent);
  const previous = state.route;
  if (name === 'agents' && id) {
    state.route = { name: 'agent', id };
    if (state.api && state.events.agentId !== id) {
      loadEvents(id);
    }
  } else if (name === 'agents' || name === 'workspaces') {
    state.route = { name };
  } else {
    state.route = { name: 'overview' };
  }
  if (state.route.name !== 'agent') {
    state.events.agentId = null;
  }
  if (previous.name !== state.route.name || previous.id !== state.route.id) {
    state.error = null;
    focusMain = true;
  }
  update();
}

// ---- actions --------------------------------------------------------------------------------------

/** Runs call with key marked busy; a failure goes to the alert, a success refreshes via onDone. */
async function run(key, what, call, onDone) {
  state.busy.add(key);
  state.error = null;
  update();
  try {
    const result = await call();
    await onDone?.(result);
    return result;
  } catch (e) {
    fail(what, e);
    return undefined;
  } finally {
    state.busy.delete(key);
    update();
  }
}

function confirm({ title, message, confirmLabel, danger = true, onConfirm }) {
  dialogOpener = document.activeElement;
  state.dialog = { kind: 'confirm', title, message, confirmLabel, danger, onConfirm };
  update();
}

const agentPath = id => `/api/v1/agents/${encodeURIComponent(id)}`;
const workspacePath = id => `/api/v1/workspaces/${encodeURIComponent(id)}`;

const actions = {
  signIn,
  signOut: () => signOut(null),
  dismissError: () => {
    state.error = null;
    update();
  },
  closeDialog: () => {
    state.dialog = null;
    update();
    const opener = dialogOpener;
    dialogOpener = null;
    if (opener && document.contains(opener)) {
      queueMicrotask(() => opener.focus());
    }
  },
  confirmDialog: async () => {
    const dialog = state.dialog;
    state.dialog = null;
    update();
    await dialog?.onConfirm?.();
    if (!state.dialog && dialogOpener && document.contains(dialogOpener)) {
      dialogOpener.focus();
    }
  },
  loadMoreEvents: () => loadEvents(state.events.agentId, true),

  setAgentEnabled: (agent, enabled) => {
    const go = () => run(`agent:${agent.id}`, enabled ? 'Enabling the agent' : 'Disabling the agent',
      () => state.api.patch(agentPath(agent.id), { status: enabled ? 'active' : 'inactive' }),
      view => { state.agents.set(view.id, view); announce(`Agent ${view.name} is ${view.status}.`); });
    if (enabled) {
      go();
    } else {
      confirm({ title: `Disable agent ${agent.name}?`, confirmLabel: 'Disable',
        message: 'No new workspace will be placed on it. Its workspaces and its tunnel stay as they are.', onConfirm: go });
    }
  },
  rotateKey: agent => confirm({
    title: `Rotate the API key of ${agent.name}?`, confirmLabel: 'Rotate key',
    message: 'The hub issues a new key and shows it once. The current key keeps working for the grace period; '
      + 'configure the agent with the new key before it ends.',
    onConfirm: () => run(`agent:${agent.id}`, 'Rotating the key', () => state.api.post(`${agentPath(agent.id)}/api-key/rotate`),
      answer => {
        state.agents.set(answer.agent.id, answer.agent);
        state.dialog = { kind: 'key', agent: answer.agent, apiKey: answer.apiKey };
      }),
  }),
  revokeCertificate: agent => confirm({
    title: `Revoke the certificates of ${agent.name}?`, confirmLabel: 'Revoke',
    message: 'Every unexpired certificate issued to this agent is revoked and its tunnel is closed. '
      + 'It needs a new enrolment to use mTLS again.',
    onConfirm: () => run(`agent:${agent.id}`, 'Revoking the certificates',
      () => state.api.post(`${agentPath(agent.id)}/certificate/revoke`, { reason: 'unspecified' }),
      result => { announce(`Revoked ${result.revoked.length} certificate(s) of ${agent.name}.`); return refreshAgent(agent.id); }),
  }),
  disconnect: agent => confirm({
    title: `Disconnect ${agent.name}?`, confirmLabel: 'Disconnect',
    message: 'The hub closes its tunnel session. The agent reconnects by itself after a moment; '
      + 'disable it or revoke its credentials to keep it out.',
    onConfirm: () => run(`agent:${agent.id}`, 'Disconnecting the agent',
      () => state.api.post(`${agentPath(agent.id)}/disconnect`),
      () => { announce(`Agent ${agent.name} disconnected.`); return refreshAgent(agent.id); }),
  }),

  workspace: (ws, verb) => {
    const go = () => run(`ws:${ws.id}`, `${verb[0].toUpperCase()}${verb.slice(1)} of workspace ${ws.name}`,
      () => verb === 'delete' ? state.api.delete(workspacePath(ws.id)) : state.api.post(`${workspacePath(ws.id)}/${verb}`),
      view => { if (view) { state.workspaces.set(view.id, view); } announce(`Workspace ${ws.name}: ${verb} requested.`); });
    const warnings = {
      stop: 'Its container is removed; its volume and files stay.',
      archive: 'Its volume is archived on its agent, then deleted. Restore it to use it again.',
      delete: 'Its container and its volume are removed for good. This cannot be undone.',
    };
    if (warnings[verb]) {
      confirm({ title: `${verb[0].toUpperCase()}${verb.slice(1)} workspace ${ws.name}?`,
        confirmLabel: verb[0].toUpperCase() + verb.slice(1), message: warnings[verb], onConfirm: go });
    } else {
      go();
    }
  },
  openWorkspace: ws => {
    // Opened now, in the click, so that no popup blocker stops it; pointed at the link once it exists.
    const tab = window.open('', '_blank');
    run(`ws:${ws.id}`, `Opening workspace ${ws.name}`,
      () => state.api.post(`${workspacePath(ws.id)}/access`, ws.owner ? {} : { subject: 'admin' }),
      grant => {
        if (tab) {
          tab.opener = null;
          tab.location.replace(grant.url);
        } else {
          dialogOpener = document.activeElement;
          state.dialog = { kind: 'open', workspace: ws, url: grant.url, expiresAt: grant.expiresAt };
        }
      }).then(result => {
      if (result === undefined) {
        tab?.close();
      }
    });
  },
  isBusy: key => state.busy.has(key),
};

window.addEventListener('hashchange', route);
const saved = sessionStorage.getItem(TOKEN_KEY);
if (saved) {
  state.signingIn = true;
  signIn(saved);
} else {
  route();
}
update();
