import assert from 'node:assert/strict';
import { Agent, request as httpRequest, type IncomingMessage } from 'node:http';
import type { AddressInfo } from 'node:net';
import { test } from 'node:test';
import { createTestApp, kmsMetadata, signedRequest } from '../../support/test-app.js';

/**
 * A refusal sent while the client is still streaming its body closes the connection, so an unauthenticated client
 * cannot keep the proxy reading and discarding data until the request timeout.
 */
test('encrypt: bad Authorization while the body is still streaming -> 401 with Connection: close, socket closed', async () => {
  const t = createTestApp();
  const server = t.app.listen(0, '127.0.0.1');
  await new Promise((r) => server.once('listening', r));
  const { port } = server.address() as AddressInfo;
  try {
    const result = await new Promise<{ res: IncomingMessage; body: string; socketDestroyed: boolean }>((resolve, reject) => {
      const req = httpRequest({
        host: '127.0.0.1',
        port,
        method: 'POST',
        path: '/kms/xks/v1/keys/key-1/encrypt',
        headers: { 'Content-Type': 'application/json', 'Content-Length': '100000', Authorization: 'AWS4-HMAC-SHA256 nonsense', 'X-Amz-Date': '20261128T120000Z' },
      });
      // A hang guard only: the socket must close (the server ends it) long before this.
      const timer = setTimeout(() => reject(new Error('the socket stayed open after the refusal')), 10_000);
      req.on('error', () => undefined); // the server closing mid-body is the expected outcome
      req.write('{"requestMetadata":'); // most of the declared body never comes
      req.on('response', (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => {
          const socket = req.socket;
          const done = (): void => {
            clearTimeout(timer);
            resolve({ res, body: Buffer.concat(chunks).toString('utf8'), socketDestroyed: socket?.destroyed === true });
          };
          if (socket === null || socket.destroyed) done();
          else socket.once('close', done);
        });
      });
    });
    assert.equal(result.res.statusCode, 401);
    assert.equal(result.res.headers.connection, 'close');
    assert.equal((JSON.parse(result.body) as { errorName: string }).errorName, 'AuthenticationFailedException');
    assert.equal(result.socketDestroyed, true, 'the server closed the connection without reading the rest of the body');
  } finally {
    server.close();
  }
});

test('encrypt: a refusal after the whole body was read keeps the connection alive', async () => {
  const t = createTestApp();
  const agent = new Agent({ keepAlive: true });
  try {
    // Signed properly, so the body is read and verified; the key does not exist -> 404 after the body arrived.
    const res = await signedRequest(t.app, '/kms/xks/v1/keys/no-such-key/encrypt', {
      requestMetadata: kmsMetadata('Encrypt'),
      plaintext: Buffer.from('x').toString('base64'),
      encryptionAlgorithm: 'AES_GCM',
    })
      .agent(agent)
      .set('Connection', 'keep-alive');
    assert.equal(res.status, 404);
    assert.equal(res.headers.connection, 'keep-alive');
  } finally {
    agent.destroy();
  }
});
