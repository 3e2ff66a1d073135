/**
 * JSON.parse says where it failed as a character offset (`at position 16`), and on Node 20 not at all for an
 * unexpected token (`Unexpected token ',', "[," is not valid JSON`); an editor wants a line and a column. Both
 * are 1-based, as editors count.
 */
export function lineAndColumn(text: string, position: number): { readonly line: number; readonly column: number } {
  const before = text.slice(0, Math.max(0, Math.min(position, text.length)));
  const lines = before.split('\n');
  return { line: lines.length, column: (lines.at(-1)?.length ?? 0) + 1 };
}

/** True when `prefix` already holds a mistake (not merely an end that comes too early). */
function hasMistake(prefix: string): boolean {
  try {
    JSON.parse(prefix);
    return false;
  } catch (error) {
    const message = (error as Error).message;
    if (/end of JSON input/.test(message)) return false;
    const at = /at position (\d+)/.exec(message)?.[1];
    return at === undefined || Number(at) < prefix.length;
  }
}

/** The offset of the first character JSON.parse cannot accept, or undefined when the text parses. */
export function jsonErrorOffset(text: string): number | undefined {
  if (!hasMistake(text)) return undefined;
  // A mistake in a prefix stays in every longer one: the shortest prefix with a mistake ends at it.
  let lo = 1;
  let hi = text.length;
  while (lo < hi) {
    const mid = Math.floor((lo + hi) / 2);
    if (hasMistake(text.slice(0, mid))) hi = mid;
    else lo = mid + 1;
  }
  return lo - 1;
}

/** A JSON.parse SyntaxError's message with `(line L, column C)` of the mistake added. */
export function describeJsonError(text: string, error: SyntaxError): string {
  // V8 quotes the text around the mistake, newlines included: one line reads better in a list of problems.
  const message = error.message.replace(/\s+/g, ' ');
  const stated = /at position (\d+)/.exec(message)?.[1];
  const offset = stated !== undefined ? Number(stated) : jsonErrorOffset(text);
  if (offset === undefined) return message;
  const { line, column } = lineAndColumn(text, offset);
  return `${message} (line ${line}, column ${column})`;
}
