// The page: the sign-in form, or the signed-in shell (skip link, header with navigation and the
// live-update status, the current route's view, the alert and the polite live region, a dialog).
import { html, nothing } from '/webjars/lit-html/lit-html.js';
import { overview } from './overview.js';
import { agentsPage, agentPage } from './agents.js';
import { workspacesPage } from './workspaces.js';
import { dialog } from './dialog.js';

export function page(state, actions) {
  return state.api ? shell(state, actions) : login(state, actions);
}

function login(state, actions) {
  const submit = event => {
    event.preventDefault();
    actions.signIn(event.target.elements.token.value);
  };
  return html`
    <main class="login" aria-labelledby="login-title">
      <h1 id="login-title">codehub</h1>
      <p class="lead">Sign in with the hub's admin token.</p>
      <form method="post" @submit=${submit} novalidate>
        <label for="token">Admin token</label>
        <input id="token" name="token" type="password" autocomplete="off" spellcheck="false" required
               aria-describedby="token-help ${state.loginError ? 'login-error' : ''}"
               aria-invalid=${state.loginError ? 'true' : 'false'} ?disabled=${state.signingIn}>
        <p id="token-help" class="help">CODEHUB_ADMIN_TOKEN, or the token the hub printed at its first start. It is kept
          only in this tab and sent only in the Authorization header.</p>
        ${state.loginError ? html`<p id="login-error" class="error" role="alert">${state.loginError}</p>` : nothing}
        <button type="submit" ?disabled=${state.signingIn}>${state.signingIn ? 'Signing in…' : 'Sign in'}</button>
      </form>
    </main>`;
}

const ROUTES = [['overview', '#/', 'Overview'], ['agents', '#/agents', 'Agents'], ['workspaces', '#/workspaces', 'Workspaces']];

const STREAM_WORDS = {
  off: 'Live updates off', connecting: 'Connecting to live updates…', live: 'Live',
  reconnecting: 'Reconnecting…', unavailable: 'No live updates on this hub', unauthorized: 'Live updates refused',
};

function shell(state, actions) {
  const current = state.route.name === 'agent' ? 'agents' : state.route.name;
  return html`
    <a class="skip" href="#main">Skip to content</a>
    <header class="top">
      <p class="brand">codehub</p>
      <nav aria-label="Main">
        <ul>
          ${ROUTES.map(([name, href, label]) => html`
            <li><a href=${href} aria-current=${name === current ? 'page' : 'false'}>${label}</a></li>`)}
        </ul>
      </nav>
      <p class="stream stream-${state.stream}" data-stream=${state.stream}>
        <span class="dot" aria-hidden="true"></span>${STREAM_WORDS[state.stream] ?? state.stream}
      </p>
      <button type="button" class="secondary" @click=${actions.signOut}>Sign out</button>
    </header>
    <main id="main" tabindex="-1">
      ${state.error ? html`
        <div class="alert" role="alert">
          <p><strong>${state.error.what} failed:</strong> ${state.error.message}</p>
          <button type="button" class="secondary" @click=${actions.dismissError}>Dismiss</button>
        </div>` : nothing}
      ${view(state, actions)}
    </main>
    <div class="visually-hidden" role="status" aria-live="polite" id="announcements">${state.announcement}</div>
    ${state.dialog ? dialog(state.dialog, actions) : nothing}`;
}

function view(state, actions) {
  switch (state.route.name) {
    case 'agents':
      return agentsPage(state, actions);
    case 'agent':
      return agentPage(state, actions);
    case 'workspaces':
      return workspacesPage(state, actions);
    default:
      return overview(state, actions);
  }
}
