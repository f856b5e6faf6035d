// How the dashboard writes values: "—" for anything missing, times as "3 min ago" with the exact
// UTC time in the datetime attribute and the tooltip.
import { html, nothing } from '/webjars/lit-html/lit-html.js';

export const MISSING = '—';

/** The value, or "—" when it is null, undefined or empty. */
export function text(value) {
  return value === null || value === undefined || value === '' ? MISSING : String(value);
}

/** A <time> element showing how long ago (or in how long) iso is, or "—". */
export function time(iso, { prefix = '' } = {}) {
  if (!iso) {
    return MISSING;
  }
  const date = new Date(iso);
  if (Number.isNaN(date.getTime())) {
    return text(iso);
  }
  return html`<time datetime=${date.toISOString()} title=${date.toISOString()}>${prefix}${relative(date)}</time>`;
}

/** "in 3 days", "5 min ago", "just now". */
export function relative(date, now = Date.now()) {
  const seconds = Math.round((date.getTime() - now) / 1000);
  const abs = Math.abs(seconds);
  const units = [['day', 86400], ['h', 3600], ['min', 60], ['s', 1]];
  if (abs < 5) {
    return 'just now';
  }
  for (const [unit, size] of units) {
    if (abs >= size) {
      const n = Math.floor(abs / size);
      const label = unit === 'day' ? (n === 1 ? 'day' : 'days') : unit;
      return seconds < 0 ? `${n} ${label} ago` : `in ${n} ${label}`;
    }
  }
  return 'just now';
}

/** Milliseconds with a precision that suits their size, or "—". */
export function millis(value) {
  if (value === null || value === undefined) {
    return MISSING;
  }
  return value < 10 ? `${value.toFixed(2)} ms` : `${Math.round(value)} ms`;
}

/** Labels as a list of key=value chips, or "—". */
export function labels(map) {
  const entries = Object.entries(map ?? {});
  if (entries.length === 0) {
    return MISSING;
  }
  return html`<ul class="chips">${entries.map(([k, v]) => html`<li>${k}=${v}</li>`)}</ul>`;
}

/** A status badge; the text is the state itself, the colour only repeats it. */
export function badge(value, kind = 'state') {
  if (!value) {
    return MISSING;
  }
  const tone = TONES[String(value).toLowerCase()] ?? 'neutral';
  return html`<span class="badge ${kind} tone-${tone}">${value}</span>`;
}

const TONES = {
  active: 'good', connected: 'good', running: 'good',
  pending: 'info', starting: 'info', stopping: 'info', archiving: 'info', restoring: 'info', deleting: 'info',
  inactive: 'neutral', stopped: 'neutral', archived: 'neutral', direct: 'neutral',
  disconnected: 'warn', error: 'bad',
};

/** An event's detail (a map of strings, e.g. from and to of a state change) as "from: A, to: B". */
export function detail(value) {
  if (value === null || value === undefined || value === '') {
    return nothing;
  }
  if (typeof value !== 'object') {
    return String(value);
  }
  return Object.entries(value).map(([k, v]) => `${k}: ${typeof v === 'object' ? JSON.stringify(v) : v}`).join(', ');
}
