import type { ServerResponse } from 'node:http';

/**
 * Compact JSON with exactly `Content-Type: application/json` (spec A1, A10). The header object goes straight to
 * writeHead (Node's fast path: no header map to build) and the body with res.end, which Node writes together with
 * the header block: one write per response.
 */
export function sendJson(res: ServerResponse, status: number, body: unknown, headers?: Readonly<Record<string, string>>): void {
  const json = JSON.stringify(body);
  const head: Record<string, string | number> = { 'Content-Type': 'application/json', 'Content-Length': Buffer.byteLength(json) };
  if (headers !== undefined) {
    for (const name of Object.keys(headers)) {
      const value = headers[name];
      if (value !== undefined) head[name] = value;
    }
  }
  res.writeHead(status, head);
  res.end(json);
}
