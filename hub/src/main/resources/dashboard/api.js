// The Hub API as the dashboard calls it: the admin token as a bearer token on every request, never
// in a URL or a cookie; problem+json answers (RFC 9457) become ApiErrors carrying the problem.

/** A failed call: the HTTP status and, when the hub sent one, its problem (type, title, detail). */
export class ApiError extends Error {
  constructor(status, problem, message) {
    super(message ?? problem?.detail ?? problem?.title ?? `HTTP ${status}`);
    this.status = status;
    this.problem = problem ?? null;
  }

  /** The problem type's last segment (e.g. "agent-not-found"), or null. */
  get slug() {
    const type = this.problem?.type;
    return typeof type === 'string' ? type.slice(type.lastIndexOf(':') + 1) : null;
  }
}

/** Calls of one signed-in session. onUnauthorized runs when the hub refuses the token (401). */
export class Api {
  constructor(token, onUnauthorized) {
    this.token = token;
    this.onUnauthorized = onUnauthorized;
  }

  get(path) {
    return this.request('GET', path);
  }

  post(path, body) {
    return this.request('POST', path, body);
  }

  patch(path, body) {
    return this.request('PATCH', path, body);
  }

  delete(path) {
    return this.request('DELETE', path);
  }

  /** The answer's JSON body (null for 204); throws ApiError for any other answer than 2xx. */
  async request(method, path, body) {
    const headers = { Authorization: `Bearer ${this.token}`, Accept: 'application/json' };
    if (body !== undefined) {
      headers['Content-Type'] = 'application/json';
    }
    let response;
    try {
      response = await fetch(path, {
        method, headers, body: body === undefined ? undefined : JSON.stringify(body),
        cache: 'no-store', credentials: 'omit', redirect: 'error',
      });
    } catch (e) {
      throw new ApiError(0, null, 'The hub cannot be reached.');
    }
    const type = response.headers.get('Content-Type') ?? '';
    const data = response.status !== 204 && type.includes('json') ? await response.json().catch(() => null) : null;
    if (!response.ok) {
      const error = new ApiError(response.status, data);
      if (response.status === 401 && this.onUnauthorized) {
        this.onUnauthorized(error);
      }
      throw error;
    }
    return data;
  }
}
