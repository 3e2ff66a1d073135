/**
 * The writer the durability test kills: it changes keys forever through openKeyDirectory, the code path of
 * `xks keys` (create, rotate, enable/disable, set-usage), until it is SIGKILLed at a random moment.
 * argv: <keyDirectory> <seed>
 */
import { openKeyDirectory } from '../../src/proxy/keystore/key-directory.js';

const [dir, seedText] = process.argv.slice(2);
if (dir === undefined) throw new Error('usage: key-writer-child <keyDirectory> <seed>');
let seed = Number(seedText ?? '1') >>> 0 || 1;
const next = (n: number): number => {
  // xorshift32: reproducible choices per seed
  seed ^= seed << 13;
  seed >>>= 0;
  seed ^= seed >>> 17;
  seed ^= seed << 5;
  seed >>>= 0;
  return seed % n;
};

const keys = openKeyDirectory(dir);
process.stdout.write('ready\n');
for (let i = 0; ; i++) {
  const existing = keys.list().keys;
  const choice = next(10);
  const victim = existing[next(Math.max(existing.length, 1))];
  if (existing.length < 6 || victim === undefined || (choice === 0 && existing.length < 12)) {
    keys.create({ externalKeyId: `k-${process.pid}-${i}` });
  } else if (choice < 6 && victim.versions.length < 40) {
    keys.rotate(victim.externalKeyId);
  } else if (choice < 8) {
    keys.setStatus(victim.externalKeyId, victim.keyStatus === 'ENABLED' ? 'DISABLED' : 'ENABLED');
  } else {
    keys.setUsage(victim.externalKeyId, next(2) === 0 ? ['ENCRYPT', 'DECRYPT'] : ['DECRYPT', 'ENCRYPT']);
  }
  // One dot per completed change (pipes are synchronous on Linux), so the parent can aim its kills.
  process.stdout.write('.');
}
