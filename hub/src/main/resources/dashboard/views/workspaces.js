// The workspaces table (a card per workspace at phone width) with the actions the state allows.
import { html, nothing } from '/webjars/lit-html/lit-html.js';
import { repeat } from '/webjars/lit-html/directives/repeat.js';
import { badge, text, time } from '../format.js';

export function workspacesPage(state, actions) {
  const workspaces = [...state.workspaces.values()]
    .sort((a, b) => a.name.localeCompare(b.name) || a.id.localeCompare(b.id));
  return html`
    <h1 tabindex="-1">Workspaces</h1>
    ${workspaces.length === 0 && state.loaded ? html`<p>No workspace yet (POST /api/v1/workspaces).</p>` : nothing}
    ${workspaces.length === 0 ? nothing : html`
    <div class="table-wrap">
      <table class="responsive workspaces">
        <caption class="visually-hidden">Workspaces, by name; actions in the last column</caption>
        <thead>
          <tr>
            <th scope="col">Workspace</th><th scope="col">State</th><th scope="col">Agent</th>
            <th scope="col">Owner</th><th scope="col">Image</th><th scope="col">Changed</th>
            <th scope="col">Reason</th><th scope="col">Actions</th>
          </tr>
        </thead>
        <tbody>
          ${repeat(workspaces, w => w.id, w => {
            const agent = state.agents.get(w.agentId);
            return html`
          <tr data-workspace-id=${w.id}>
            <th scope="row" data-label="Workspace">${w.name}<br><code class="id">${w.id}</code></th>
            <td data-label="State"><span data-field="state">${badge(w.state)}</span>
              ${w.desiredState !== w.state ? html`<span class="desired">→ ${w.desiredState}</span>` : nothing}</td>
            <td data-label="Agent"><a href="#/agents/${encodeURIComponent(w.agentId)}">${agent?.name ?? w.agentId}</a></td>
            <td data-label="Owner">${text(w.owner)}</td>
            <td data-label="Image"><code>${w.image}</code></td>
            <td data-label="Changed">${time(w.updatedAt)}</td>
            <td data-label="Reason">${text(w.reason)}</td>
            <td data-label="Actions">${workspaceActions(w, actions)}</td>
          </tr>`;
          })}
        </tbody>
      </table>
    </div>`}`;
}

function workspaceActions(ws, actions) {
  const busy = actions.isBusy(`ws:${ws.id}`);
  const deleting = ws.desiredState === 'DELETED';
  const button = (verb, label, enabled, kind = 'secondary') => html`
    <button type="button" class=${kind} data-action=${verb} ?disabled=${busy || deleting || !enabled}
            aria-label="${label} ${ws.name}" @click=${() => actions.workspace(ws, verb)}>${label}</button>`;
  return html`
    <div class="actions" role="group" aria-label="Actions on ${ws.name}">
      <button type="button" data-action="open" ?disabled=${busy || ws.state !== 'RUNNING'}
              aria-label="Open ${ws.name} through the gateway in a new tab"
              @click=${() => actions.openWorkspace(ws)}>Open</button>
      ${button('start', 'Start', ws.desiredState !== 'RUNNING' || ws.state === 'ERROR')}
      ${button('stop', 'Stop', ws.desiredState === 'RUNNING')}
      ${button('archive', 'Archive', ws.desiredState !== 'ARCHIVED')}
      ${button('restore', 'Restore', ws.state === 'ARCHIVED')}
      ${button('delete', 'Delete', true, 'danger')}
    </div>`;
}
