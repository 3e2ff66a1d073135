import type { ServerResponse } from 'node:http';

/**
 * Compact JSON with exactly `Content-Type: application/json` (spec A1, A10). Headers go as a flat array (no header
 * object to build and walk) and the body with res.end, which Node writes together with the header block: one write
 * per response.
 */
export function sendJson(res: ServerResponse, status: number, body: unknown, headers?: Readonly<Record<string, string>>): void {
  const json = JSON.stringify(body);
  const list = ['Content-Type', 'application/json', 'Content-Length', String(Buffer.byteLength(json))];
  if (headers !== undefined) {
    for (const name of Object.keys(headers)) {
      const value = headers[name];
      if (value !== undefined) list.push(name, value);
    }
  }
  res.writeHead(status, list);
  res.end(json);
}
