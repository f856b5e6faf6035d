// The modal dialogs, on the native <dialog> element (focus moves in and stays, Escape closes):
// confirmation of a destructive action, the new API key shown once, a workspace link when the
// browser blocked the new tab.
import { html, nothing } from '/webjars/lit-html/lit-html.js';
import { time } from '../format.js';

export function dialog(d, actions) {
  const cancel = event => {
    event.preventDefault();
    actions.closeDialog();
  };
  switch (d.kind) {
    case 'confirm':
      return html`
        <dialog aria-labelledby="dialog-title" aria-describedby="dialog-message" @cancel=${cancel}>
          <h2 id="dialog-title">${d.title}</h2>
          <p id="dialog-message">${d.message}</p>
          <div class="buttons">
            <button type="button" class="secondary" @click=${actions.closeDialog} autofocus>Cancel</button>
            <button type="button" class=${d.danger ? 'danger' : ''} data-action="confirm"
                    @click=${actions.confirmDialog}>${d.confirmLabel}</button>
          </div>
        </dialog>`;
    case 'key':
      return html`
        <dialog aria-labelledby="dialog-title" aria-describedby="dialog-message" @cancel=${cancel} class="key-dialog">
          <h2 id="dialog-title">New API key of ${d.agent.name}</h2>
          <p id="dialog-message">This key is shown only now: the hub keeps only its hash. Copy it into the agent's
            CODEHUB_AGENT_API_KEY. ${d.agent.previousKeyExpiresAt
              ? html`The previous key stops working ${time(d.agent.previousKeyExpiresAt)}.` : nothing}</p>
          <label for="new-key">API key</label>
          <input id="new-key" class="key" type="text" readonly .value=${d.apiKey} spellcheck="false"
                 @focus=${e => e.target.select()} autofocus>
          <div class="buttons">
            <button type="button" @click=${() => copy(d.apiKey)}>Copy</button>
            <button type="button" class="secondary" @click=${actions.closeDialog}>Done</button>
          </div>
        </dialog>`;
    case 'open':
      return html`
        <dialog aria-labelledby="dialog-title" @cancel=${cancel}>
          <h2 id="dialog-title">Open ${d.workspace.name}</h2>
          <p>The browser kept the new tab from opening. This one-time link expires ${time(d.expiresAt)}.</p>
          <p><a href=${d.url} target="_blank" rel="noopener noreferrer" @click=${actions.closeDialog}>Open the workspace</a></p>
          <div class="buttons"><button type="button" class="secondary" @click=${actions.closeDialog}>Close</button></div>
        </dialog>`;
    default:
      return nothing;
  }
}

function copy(value) {
  navigator.clipboard?.writeText(value).catch(() => {});
}
