// The hub's event stream (text/event-stream) read with fetch(), because EventSource cannot send
// the Authorization header and the token must never go into a URL. Parses the stream as the HTML
// standard's event-stream rules say (fields id, event, data, retry; comments; CR, LF or CRLF line
// ends), resumes after a drop with Last-Event-ID, and backs off with full jitter between attempts.

const MAX_LINE = 1024 * 1024;      // a longer line without an end is a broken stream
const BASE_DELAY = 1000;
const MAX_DELAY = 30000;

/**
 * A running subscription. onEvent gets {id, type, data} (data parsed as JSON when it is JSON);
 * onState gets "connecting", "live", "reconnecting", "unavailable" (the hub has no stream) or
 * "unauthorized" (the token was refused: the stream stops).
 */
export class EventStream {
  constructor({ url, token, onEvent, onState }) {
    this.url = url;
    this.token = token;
    this.onEvent = onEvent;
    this.onState = onState;
    this.lastEventId = '';
    this.retry = null;
    this.stopped = false;
    this.controller = null;
  }

  start() {
    this.run();
    return this;
  }

  stop() {
    this.stopped = true;
    this.controller?.abort();
  }

  async run() {
    let attempt = 0;
    while (!this.stopped) {
      this.onState(attempt === 0 ? 'connecting' : 'reconnecting');
      this.controller = new AbortController();
      try {
        const headers = { Authorization: `Bearer ${this.token}`, Accept: 'text/event-stream' };
        if (this.lastEventId) {
          headers['Last-Event-ID'] = this.lastEventId;
        }
        const response = await fetch(this.url, {
          headers, cache: 'no-store', credentials: 'omit', signal: this.controller.signal,
        });
        if (response.status === 401) {
          this.onState('unauthorized');
          return;
        }
        if (response.status === 404) {
          this.onState('unavailable');
        } else if (response.ok && response.body) {
          this.onState('live');
          attempt = 0;
          await this.read(response.body);
        }
      } catch (e) {
        // a dropped connection or an abort; the loop decides
      }
      if (this.stopped) {
        return;
      }
      attempt++;
      const cap = Math.min(MAX_DELAY, (this.retry ?? BASE_DELAY) * 2 ** Math.min(attempt - 1, 5));
      await new Promise(resolve => setTimeout(resolve, Math.random() * cap));
    }
  }

  async read(body) {
    const reader = body.pipeThrough(new TextDecoderStream()).getReader();
    let buffer = '';
    let event = { type: '', data: [] };
    try {
      for (;;) {
        const { value, done } = await reader.read();
        if (done) {
          return;
        }
        buffer += value;
        let end;
        // a lone CR at the end may be the first half of a CRLF: wait for more
        while ((end = lineEnd(buffer)) !== null) {
          const line = buffer.slice(0, end.index);
          buffer = buffer.slice(end.index + end.length);
          event = this.line(line, event);
        }
        if (buffer.length > MAX_LINE) {
          throw new Error('event stream line too long');
        }
      }
    } finally {
      reader.cancel().catch(() => {});
    }
  }

  line(line, event) {
    if (line === '') {
      this.dispatch(event);
      return { type: '', data: [] };
    }
    if (line.startsWith(':')) {
      return event;
    }
    const colon = line.indexOf(':');
    const field = colon < 0 ? line : line.slice(0, colon);
    let value = colon < 0 ? '' : line.slice(colon + 1);
    if (value.startsWith(' ')) {
      value = value.slice(1);
    }
    if (field === 'event') {
      event.type = value;
    } else if (field === 'data') {
      event.data.push(value);
    } else if (field === 'id' && !value.includes('\0')) {
      this.lastEventId = value;
    } else if (field === 'retry' && /^\d+$/.test(value)) {
      this.retry = Number(value);
    }
    return event;
  }

  dispatch(event) {
    if (event.data.length === 0) {
      return;
    }
    const text = event.data.join('\n');
    let data = text;
    try {
      data = JSON.parse(text);
    } catch (e) {
      // not JSON: hand over the text
    }
    this.onEvent({ id: this.lastEventId, type: event.type || 'message', data });
  }
}

function lineEnd(buffer) {
  for (let i = 0; i < buffer.length; i++) {
    const c = buffer[i];
    if (c === '\n') {
      return { index: i, length: 1 };
    }
    if (c === '\r') {
      if (i + 1 === buffer.length) {
        return null;
      }
      return { index: i, length: buffer[i + 1] === '\n' ? 2 : 1 };
    }
  }
  return null;
}
