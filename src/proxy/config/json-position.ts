/**
 * JSON.parse says where it failed as a character offset (`at position 16`); an editor wants a line and a column.
 * Both are 1-based, as editors count.
 */
export function lineAndColumn(text: string, position: number): { readonly line: number; readonly column: number } {
  const before = text.slice(0, Math.max(0, Math.min(position, text.length)));
  const lines = before.split('\n');
  return { line: lines.length, column: (lines.at(-1)?.length ?? 0) + 1 };
}

/** A JSON.parse SyntaxError's message with `(line L, column C)` added when it names a position. */
export function describeJsonError(text: string, error: SyntaxError): string {
  const m = /at position (\d+)/.exec(error.message);
  if (m?.[1] === undefined) return error.message;
  const { line, column } = lineAndColumn(text, Number(m[1]));
  return `${error.message} (line ${line}, column ${column})`;
}
