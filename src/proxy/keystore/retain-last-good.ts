import { basename, join } from 'node:path';
import { KEY_FILE_SUFFIX, keyFileName } from './key-file.js';
import { createMemoryKeyStore, type KeyStore, type RetainedKey, type XksKey } from './key-store.js';

/**
 * A reload never takes a live key out of service because its file went bad. `fresh` is what the directory holds
 * now, `previous` what was served until now (from the same directory). A key whose file is still there but cannot
 * be read or parsed keeps its last good version from `previous`, listed in `retained` (and still in `problems`, so
 * health says DEGRADED and names the file). A directory that cannot be read at all keeps every previous key.
 *
 * A key whose file is gone was deleted on purpose (`xks keys delete --force`, `rm`): it leaves service. So does
 * everything held in memory when the process restarts: a fresh start serves only what the files hold.
 */
export function retainLastGood(fresh: KeyStore, previous: KeyStore | undefined, dir: string, now: string): KeyStore {
  if (previous === undefined) return fresh;
  const sinceOf = (id: string) => previous.retained.find((r) => r.externalKeyId === id)?.since ?? now;
  const retained: RetainedKey[] = [];
  const kept: XksKey[] = [];
  const keep = (key: XksKey, file: string, message: string) => {
    kept.push(key);
    retained.push({ externalKeyId: key.externalKeyId, file, message, since: sinceOf(key.externalKeyId) });
  };

  if (!fresh.available) {
    const problem = fresh.problems[0]?.message ?? 'key directory unreadable';
    for (const key of previous.listKeys()) keep(key, dir, problem);
    if (kept.length === 0) return fresh;
    return createMemoryKeyStore(kept, { problems: fresh.problems, available: true, retained });
  }
  for (const problem of fresh.problems) {
    const name = basename(problem.file);
    if (!name.endsWith(KEY_FILE_SUFFIX)) continue;
    const id = name.slice(0, -KEY_FILE_SUFFIX.length);
    const last = previous.getKey(id);
    if (last === undefined || fresh.getKey(id) !== undefined || join(dir, keyFileName(id)) !== problem.file) continue;
    keep(last, problem.file, problem.message);
  }
  if (kept.length === 0) return fresh;
  return createMemoryKeyStore([...fresh.listKeys(), ...kept], { problems: fresh.problems, available: true, retained });
}
