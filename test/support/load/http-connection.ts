/**
 * A minimal keep-alive HTTP/1.1 client connection on a raw socket, for load generation: it writes prepared request
 * bytes and parses just enough of each response (status line, Content-Length, body) to know when it is complete.
 * One request at a time per connection (no pipelining). Errors (reset, close before a response) reject.
 */
import { connect, type Socket } from 'node:net';

export interface HttpResult {
  readonly status: number;
  readonly body: Buffer;
}

export class HttpConnection {
  readonly #socket: Socket;
  #buffer: Buffer = Buffer.alloc(0);
  #pending: { resolve: (r: HttpResult) => void; reject: (e: Error) => void } | undefined;
  #closed = false;
  #ready: Promise<void>;

  constructor(port: number, host = '127.0.0.1') {
    this.#socket = connect(port, host);
    this.#socket.setNoDelay(true);
    this.#ready = new Promise((resolve, reject) => {
      this.#socket.once('connect', resolve);
      this.#socket.once('error', reject);
    });
    this.#socket.on('data', (chunk: Buffer) => this.#onData(chunk));
    this.#socket.on('error', (error) => this.#fail(error));
    this.#socket.on('close', () => {
      this.#closed = true;
      this.#fail(new Error('connection closed before the response'));
    });
  }

  get closed(): boolean {
    return this.#closed;
  }

  get busy(): boolean {
    return this.#pending !== undefined;
  }

  /** Send one request (complete bytes) and resolve with its response. */
  async request(bytes: Buffer | string): Promise<HttpResult> {
    await this.#ready;
    if (this.#closed) throw new Error('connection closed');
    if (this.#pending !== undefined) throw new Error('one request at a time');
    return new Promise((resolve, reject) => {
      this.#pending = { resolve, reject };
      this.#socket.write(bytes);
    });
  }

  close(): void {
    this.#closed = true;
    this.#socket.destroy();
  }

  #fail(error: Error): void {
    const pending = this.#pending;
    this.#pending = undefined;
    pending?.reject(error);
  }

  #onData(chunk: Buffer): void {
    this.#buffer = this.#buffer.length === 0 ? chunk : Buffer.concat([this.#buffer, chunk]);
    const end = this.#buffer.indexOf('\r\n\r\n');
    if (end < 0) return;
    const head = this.#buffer.toString('latin1', 0, end);
    const length = Number(/\r\ncontent-length: *(\d+)/i.exec(head)?.[1] ?? 0);
    if (this.#buffer.length < end + 4 + length) return;
    const status = Number(head.slice(9, 12));
    const body = this.#buffer.subarray(end + 4, end + 4 + length);
    this.#buffer = this.#buffer.subarray(end + 4 + length);
    const pending = this.#pending;
    this.#pending = undefined;
    pending?.resolve({ status, body });
    if (/\r\nconnection: *close/i.test(head)) this.close();
  }
}
