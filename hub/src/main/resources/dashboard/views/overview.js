// Fleet overview: agents by status, tunnels connected, workspaces by state, and the chart of
// connected tunnels and round-trip times over the last hour.
import { html, nothing } from '/webjars/lit-html/lit-html.js';
import { millis } from '../format.js';

const AGENT_STATUSES = ['active', 'pending', 'inactive', 'error'];
const WORKSPACE_STATES = ['RUNNING', 'PENDING', 'STARTING', 'STOPPING', 'STOPPED', 'ARCHIVING', 'ARCHIVED',
  'RESTORING', 'DELETING', 'ERROR'];

export function overview(state) {
  const agents = [...state.agents.values()];
  const workspaces = [...state.workspaces.values()];
  const tunnelled = agents.filter(a => a.connection);
  const connected = tunnelled.filter(a => a.connection.state === 'connected');
  const samples = state.history?.samples ?? [];
  const last = samples[samples.length - 1];
  return html`
    <h1 tabindex="-1">Fleet overview</h1>
    ${state.loaded ? nothing : html`<p aria-busy="true">Loading…</p>`}
    <section class="cards" aria-label="Summary">
      <article class="card" aria-labelledby="sum-agents">
        <h2 id="sum-agents">Agents</h2>
        <p class="big" data-count="agents">${agents.length}</p>
        ${counts(AGENT_STATUSES, agents, a => a.status, 'agent-status')}
      </article>
      <article class="card" aria-labelledby="sum-tunnels">
        <h2 id="sum-tunnels">Tunnels</h2>
        <p class="big" data-count="tunnels-connected">${connected.length}</p>
        <p>connected of ${tunnelled.length} tunnelled agent${tunnelled.length === 1 ? '' : 's'};
          ${agents.length - tunnelled.length} called directly</p>
      </article>
      <article class="card" aria-labelledby="sum-workspaces">
        <h2 id="sum-workspaces">Workspaces</h2>
        <p class="big" data-count="workspaces">${workspaces.length}</p>
        ${counts(WORKSPACE_STATES, workspaces, w => w.state, 'workspace-state')}
      </article>
    </section>
    <section aria-labelledby="chart-title" class="chart-section">
      <h2 id="chart-title">Connected tunnels and round-trip time, last hour</h2>
      <figure>
        <fleet-chart role="img" aria-label=${chartLabel(samples, last)} .samples=${samples}></fleet-chart>
        <figcaption>
          ${last ? html`Now: ${last.connectedTunnels} connected, median RTT ${millis(last.medianRttMillis)},
            max ${millis(last.maxRttMillis)}.` : 'No sample yet.'}
          Sampled by this hub every ${state.history?.intervalSeconds ?? 10} s; a hub restart starts a new history.
        </figcaption>
      </figure>
    </section>`;
}

function counts(keys, items, keyOf, name) {
  const totals = new Map();
  for (const item of items) {
    const key = keyOf(item);
    totals.set(key, (totals.get(key) ?? 0) + 1);
  }
  const shown = [...new Set([...keys.filter(k => totals.has(k)), ...totals.keys()])];
  if (shown.length === 0) {
    return html`<p>None yet.</p>`;
  }
  return html`<dl class="counts">${shown.map(key => html`
    <div><dt>${key}</dt><dd data-count=${`${name}:${key}`}>${totals.get(key)}</dd></div>`)}</dl>`;
}

function chartLabel(samples, last) {
  if (!last) {
    return 'Chart of connected tunnels and round-trip times: no sample yet.';
  }
  const peak = Math.max(...samples.map(s => s.connectedTunnels));
  return `Chart of the last ${samples.length} samples: between ${Math.min(...samples.map(s => s.connectedTunnels))} `
    + `and ${peak} connected tunnels; now ${last.connectedTunnels}, median round-trip time ${millis(last.medianRttMillis)}.`;
}
