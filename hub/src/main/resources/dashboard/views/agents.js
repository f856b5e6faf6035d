// The agents table (a card per agent at phone width) and an agent's page with its facts, its
// workspaces and its events. Values the hub does not report show "—".
import { html, nothing } from '/webjars/lit-html/lit-html.js';
import { repeat } from '/webjars/lit-html/directives/repeat.js';
import { MISSING, badge, detail, labels, millis, text, time } from '../format.js';

/** "connected", "disconnected" or "direct" (the hub calls it; no tunnel). */
export function connectionOf(agent) {
  return agent.connection?.state ?? 'direct';
}

function byName(a, b) {
  return a.name.localeCompare(b.name) || a.id.localeCompare(b.id);
}

export function agentsPage(state, actions) {
  const agents = [...state.agents.values()].sort(byName);
  return html`
    <h1 tabindex="-1">Agents</h1>
    ${agents.length === 0 && state.loaded ? html`<p>No agent is registered yet (POST /api/v1/agents).</p>` : nothing}
    ${agents.length === 0 ? nothing : html`
    <div class="table-wrap">
      <table class="responsive agents">
        <caption class="visually-hidden">Agents, by name; actions in the last column</caption>
        <thead>
          <tr>
            <th scope="col">Agent</th><th scope="col">State</th><th scope="col">Since / last seen</th>
            <th scope="col">RTT</th><th scope="col">Version</th><th scope="col">Remote address</th>
            <th scope="col">Auth</th><th scope="col">Cert expires</th><th scope="col">Load</th>
            <th scope="col">Region</th><th scope="col">Labels</th><th scope="col">Actions</th>
          </tr>
        </thead>
        <tbody>
          ${repeat(agents, a => a.id, a => html`
          <tr data-agent-id=${a.id}>
            <th scope="row" data-label="Agent"><a href="#/agents/${encodeURIComponent(a.id)}">${a.name}</a></th>
            <td data-label="State">${badge(a.status)} <span data-field="connection">${badge(connectionOf(a), 'connection')}</span></td>
            <td data-label="Since / last seen">${seen(a)}</td>
            <td data-label="RTT">${millis(a.connection?.rttMillis)}</td>
            <td data-label="Version">${text(a.agentVersion)}</td>
            <td data-label="Remote address">${text(a.connection?.remoteAddress)}</td>
            <td data-label="Auth">${text(a.auth)}</td>
            <td data-label="Certificate expires">${time(a.connection?.certificate?.notAfter)}</td>
            <td data-label="Load">${a.currentLoad} / ${a.capacity}</td>
            <td data-label="Region">${text(a.region)}</td>
            <td data-label="Labels">${labels(a.labels)}</td>
            <td data-label="Actions">${agentActions(a, actions)}</td>
          </tr>`)}
        </tbody>
      </table>
    </div>`}`;
}

/** Since when it is connected, else when it was last seen. */
function seen(agent) {
  const connection = connectionOf(agent);
  if (connection === 'connected') {
    return time(agent.connection.since, { prefix: 'since ' });
  }
  const last = agent.lastDisconnectedAt ?? agent.lastConnectedAt ?? agent.lastHealthAt;
  return last ? time(last, { prefix: 'seen ' }) : (agent.status === 'pending' ? 'never connected' : MISSING);
}

function agentActions(agent, actions) {
  const busy = actions.isBusy(`agent:${agent.id}`);
  const enabled = agent.status !== 'inactive';
  return html`
    <div class="actions" role="group" aria-label="Actions on ${agent.name}">
      <button type="button" class="secondary" ?disabled=${busy} data-action=${enabled ? 'disable' : 'enable'}
              @click=${() => actions.setAgentEnabled(agent, !enabled)}
              aria-label="${enabled ? 'Disable' : 'Enable'} ${agent.name}">${enabled ? 'Disable' : 'Enable'}</button>
      <button type="button" class="secondary" ?disabled=${busy} data-action="rotate-key"
              @click=${() => actions.rotateKey(agent)} aria-label="Rotate the API key of ${agent.name}">Rotate key</button>
      <button type="button" class="secondary" ?disabled=${busy} data-action="revoke-certificate"
              @click=${() => actions.revokeCertificate(agent)}
              aria-label="Revoke the certificates of ${agent.name}">Revoke cert</button>
      ${connectionOf(agent) === 'connected' ? html`
      <button type="button" class="secondary" ?disabled=${busy} data-action="disconnect"
              @click=${() => actions.disconnect(agent)} aria-label="Disconnect ${agent.name}">Disconnect</button>` : nothing}
    </div>`;
}

export function agentPage(state, actions) {
  const agent = state.agents.get(state.route.id);
  if (!agent) {
    return html`
      <h1 tabindex="-1">Agent</h1>
      <p>${state.loaded ? html`No agent with id <code>${state.route.id}</code>.` : 'Loading…'}</p>
      <p><a href="#/agents">All agents</a></p>`;
  }
  const workspaces = [...state.workspaces.values()].filter(w => w.agentId === agent.id);
  return html`
    <p class="crumbs"><a href="#/agents">Agents</a> / ${agent.name}</p>
    <h1 tabindex="-1">${agent.name}</h1>
    <div data-agent-id=${agent.id}>
      ${agentActions(agent, actions)}
      <dl class="facts">
        ${row('Id', html`<code>${agent.id}</code>`)}
        ${row('Status', badge(agent.status))}
        ${row('Connection', html`<span data-field="connection">${badge(connectionOf(agent), 'connection')}</span>`)}
        ${row('Endpoint', html`<code>${agent.endpoint}</code>`)}
        ${row('Connected since', time(agent.connection?.since))}
        ${row('Round-trip time', millis(agent.connection?.rttMillis))}
        ${row('Remote address', text(agent.connection?.remoteAddress))}
        ${row('First connected', time(agent.firstConnectedAt))}
        ${row('Last connected', time(agent.lastConnectedAt))}
        ${row('Last disconnected', time(agent.lastDisconnectedAt))}
        ${row('Last disconnect reason', text(agent.lastDisconnectReason))}
        ${row('Agent version', text(agent.agentVersion))}
        ${row('OS / architecture', text(osArch(agent)))}
        ${row('Runtime', text(agent.runtime))}
        ${row('Backend version', text(agent.backendVersion))}
        ${row('Auth', text(agent.auth))}
        ${row('Certificate', agent.connection?.certificate
          ? html`serial <code>${agent.connection.certificate.serial}</code>, expires ${time(agent.connection.certificate.notAfter)}`
          : MISSING)}
        ${row('Previous key expires', time(agent.previousKeyExpiresAt))}
        ${row('Load', `${agent.currentLoad} / ${agent.capacity}`)}
        ${row('Region', text(agent.region))}
        ${row('Labels', labels(agent.labels))}
        ${row('Last healthy', time(agent.lastHealthAt))}
        ${row('Health failures', String(agent.consecutiveFailures ?? 0))}
        ${row('Last error', text(agent.lastError))}
        ${row('Registered', time(agent.createdAt))}
      </dl>
    </div>
    <section aria-labelledby="agent-workspaces">
      <h2 id="agent-workspaces">Workspaces (${workspaces.length})</h2>
      ${workspaces.length === 0 ? html`<p>None.</p>` : html`<ul>${workspaces.map(w => html`
        <li><a href="#/workspaces">${w.name}</a> ${badge(w.state)}</li>`)}</ul>`}
    </section>
    <section aria-labelledby="agent-events">
      <h2 id="agent-events">Events</h2>
      ${events(state.events, actions)}
    </section>`;
}

function osArch(agent) {
  return agent.os || agent.arch ? [agent.os, agent.arch].filter(Boolean).join(' / ') : null;
}

function row(term, value) {
  return html`<div><dt>${term}</dt><dd>${value}</dd></div>`;
}

function events(list, actions) {
  if (!list.available) {
    return html`<p>This hub keeps no event history.</p>`;
  }
  if (list.items.length === 0) {
    return html`<p>${list.loading ? 'Loading…' : 'No events.'}</p>`;
  }
  return html`
    <ol class="events" aria-label="Events, newest first">
      ${repeat(list.items, e => e.id, e => html`
        <li data-event-type=${e.type}>
          ${time(e.at)} <strong>${e.type}</strong>${e.reason ? html` — ${e.reason}` : nothing}
          ${e.workspaceId ? html` (workspace <code>${e.workspaceId}</code>)` : nothing}
          ${e.detail ? html`<span class="detail">${detail(e.detail)}</span>` : nothing}
        </li>`)}
    </ol>
    ${list.next ? html`<button type="button" class="secondary" ?disabled=${list.loading}
                                @click=${actions.loadMoreEvents}>Older events</button>` : nothing}`;
}
