/**
 * Text from outside (a client's kmsRequestId, a proxy's errorName or fleet id, a file name) made safe to print on
 * a terminal or in a one-line monitoring output: every control character becomes a visible escape, so no input can
 * move the cursor, set the window title, clear the screen or start a new line of output (CWE-150). The JSON log and
 * the Prometheus text escape on their own; this is for what people read.
 *
 * Escaped: the ASCII controls (U+0000-U+001F, ESC included, so no escape sequence survives), DEL (U+007F), the 8-bit controls (U+0080-U+009F, which
 * some terminals read as CSI, OSC...), the line and paragraph separators (U+2028, U+2029) and the bidirectional
 * overrides and isolates (U+202A-U+202E, U+2066-U+2069) that reorder what a reader sees.
 */

// eslint-disable-next-line no-control-regex
const CONTROL = /[\u0000-\u001f\u007f-\u009f\u2028\u2029\u202a-\u202e\u2066-\u2069]/g;

const NAMED: Readonly<Record<string, string>> = Object.freeze({ '\n': '\\n', '\r': '\\r', '\t': '\\t' });

function visible(c: string): string {
  const named = NAMED[c];
  if (named !== undefined) return named;
  const code = c.charCodeAt(0);
  return code <= 0xff ? `\\x${code.toString(16).padStart(2, '0')}` : `\\u${code.toString(16).padStart(4, '0')}`;
}

/** One line of text: every control character (newlines included) as a visible escape (`\x1b`, `\n`, `\u202e`). */
export function escapeControl(text: string): string {
  return text.replace(CONTROL, visible);
}

/** Text of several lines we composed: each line escaped, the line breaks kept. */
export function escapeControlLines(text: string): string {
  return text.split('\n').map(escapeControl).join('\n');
}

/** A parsed JSON document (a proxy's status, say) with every string value escaped; for formatters of many fields. */
export function escapeControlDeep<T>(value: T): T {
  return escapeUnknown(value) as T;
}

function escapeUnknown(value: unknown): unknown {
  if (typeof value === 'string') return escapeControl(value);
  if (Array.isArray(value)) return value.map(escapeUnknown);
  if (value === null || typeof value !== 'object') return value;
  return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, escapeUnknown(v)]));
}
