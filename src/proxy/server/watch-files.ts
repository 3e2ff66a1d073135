import { watch, type FSWatcher } from 'node:fs';
import { basename, dirname } from 'node:path';

/**
 * Call `onChange` (debounced) when any of `files` is written, replaced or renamed into place. Watches the
 * directories, not the files: editors and `mv`-style atomic writes replace the inode a file watch would follow.
 */
export function watchFiles(files: readonly string[], onChange: (changed: readonly string[]) => void, debounceMs: number): () => void {
  const byDir = new Map<string, Set<string>>();
  for (const f of files) {
    const dir = dirname(f);
    const names = byDir.get(dir) ?? new Set<string>();
    names.add(basename(f));
    byDir.set(dir, names);
  }
  let timer: NodeJS.Timeout | undefined;
  const pending = new Set<string>();
  const watchers: FSWatcher[] = [];
  for (const [dir, names] of byDir) {
    try {
      const w = watch(dir, { persistent: false }, (_event, filename) => {
        const name = filename?.toString();
        if (name === undefined || !names.has(name)) return;
        pending.add(`${dir}/${name}`);
        clearTimeout(timer);
        timer = setTimeout(() => {
          const changed = [...pending];
          pending.clear();
          onChange(changed);
        }, debounceMs);
      });
      w.on('error', () => w.close());
      watchers.push(w);
    } catch {
      // A directory that does not exist (yet) is not watched; SIGHUP still reloads.
    }
  }
  return () => {
    clearTimeout(timer);
    for (const w of watchers) w.close();
  };
}
