/**
 * Runs one attack class in a worker thread, so the attacker's work never delays the probing client's timers in the
 * main thread. Messages: the parent posts 'stop'; the worker answers with the attack's stats and exits.
 */
import { parentPort, workerData } from 'node:worker_threads';
import { startAttack, type AttackClass, type AttackOptions } from './attacks.js';

const { kind, options } = workerData as { kind: AttackClass; options: AttackOptions };
const attack = startAttack(kind, options);
parentPort?.on('message', (message: unknown) => {
  if (message !== 'stop') return;
  attack.stop();
  parentPort?.postMessage(attack.stats);
  parentPort?.close();
});
