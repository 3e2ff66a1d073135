/**
 * An HSM thread (hsm-threads.ts starts them): runs each request's PKCS#11 calls synchronously, off the event loop.
 * It loads the same library as the event loop's thread; the library was initialised once for the whole process
 * (C_Initialize with CKF_OS_LOCKING_OK, pkcs11-modules.ts), so this thread only looks its functions up and uses the
 * sessions the event loop hands it. Its copy of each plaintext is wiped after use, and results are transferred (no
 * copy of a decrypted plaintext stays here).
 */
import { parentPort, workerData } from 'node:worker_threads';
import { describeFailure, performHsmCall } from './hsm-call.js';
import { decodeCall, encodeResult, type CallMessage } from './hsm-wire.js';
import { loadPkcs11Binding } from './load-binding.js';

const port = parentPort;
if (port === null) throw new Error('hsm-thread.ts runs as a worker thread (hsm-threads.ts)');
const { modulePath } = workerData as { modulePath: string };
const binding = loadPkcs11Binding();
const pkcs11 = new binding.PKCS11();
pkcs11.load(modulePath);
port.postMessage('ready');

port.on('message', (m: CallMessage) => {
  try {
    const { message, transfer } = encodeResult(m.id, performHsmCall(pkcs11, binding, decodeCall(m)));
    port.postMessage(message, transfer);
  } catch (error) {
    port.postMessage({ id: m.id, failure: describeFailure(error) });
  } finally {
    m.data.fill(0); // the call's buffer: this thread's copy of any plaintext
  }
});
