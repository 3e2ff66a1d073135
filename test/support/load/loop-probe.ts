/**
 * The event-loop lateness probe of bench/support/loop-probe.mjs, from the loading side: where it is, how a server is
 * started with it (`--import` and XKS_LOOP_PROBE_FILE in a temp dir), and the run's figure from the lines it wrote.
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { pollUntil } from '../poll-until.js';
import { REPO_ROOT } from '../repo-root.js';

export const LOOP_PROBE_SCRIPT = join(REPO_ROOT, 'bench', 'support', 'loop-probe.mjs');

/** One line of the probe's file: the second that began at `at` (epoch ms) and its largest lateness. */
export interface LoopProbeSecond {
  readonly at: number;
  readonly maxLatenessMs: number;
}

export interface LoopProbeFile {
  /** Node.js options that load the probe, and the environment naming its file (for startProxyServer). */
  readonly nodeArgs: readonly string[];
  readonly env: Record<string, string>;
  /** The seconds written so far (a partly written last line is left for the next read). */
  read(): LoopProbeSecond[];
  /**
   * The seconds once every second that ends by `endMs` is written: the probe writes a second when a tick finds it
   * over, so a busy process writes it late; waits (at most `timeoutMs`) for a second that ends after `endMs`.
   */
  readThrough(endMs: number, timeoutMs?: number): Promise<LoopProbeSecond[]>;
  /** Removes the temp dir. */
  cleanup(): void;
}

export function createLoopProbeFile(): LoopProbeFile {
  const dir = mkdtempSync(join(tmpdir(), 'xks-loop-probe-'));
  const file = join(dir, 'seconds.jsonl');
  const read = (): LoopProbeSecond[] => {
    try {
      return parseLoopProbeLines(readFileSync(file, 'utf8'));
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return [];
      throw error;
    }
  };
  return {
    nodeArgs: ['--import', pathToFileURL(LOOP_PROBE_SCRIPT).href],
    env: { XKS_LOOP_PROBE_FILE: file },
    read,
    readThrough: (endMs, timeoutMs = 10_000) =>
      pollUntil(
        `the loop probe's second after ${endMs}`,
        () => {
          const seconds = read();
          return (seconds.at(-1)?.at ?? -Infinity) + 1000 > endMs ? seconds : undefined;
        },
        { timeoutMs, intervalMs: 100 },
      ),
    cleanup: () => rmSync(dir, { recursive: true, force: true }),
  };
}

/** The complete lines of a probe file; throws on a complete line that is not `{"at":<n>,"maxLatenessMs":<n>}`. */
export function parseLoopProbeLines(text: string): LoopProbeSecond[] {
  const complete = text.slice(0, text.lastIndexOf('\n') + 1);
  return complete
    .split('\n')
    .filter((line) => line !== '')
    .map((line) => {
      const value = JSON.parse(line) as { at?: unknown; maxLatenessMs?: unknown };
      if (typeof value.at !== 'number' || typeof value.maxLatenessMs !== 'number' || !Number.isFinite(value.maxLatenessMs) || value.maxLatenessMs < 0) {
        throw new Error(`loop probe: not a second's line: ${line}`);
      }
      return { at: value.at, maxLatenessMs: value.maxLatenessMs };
    });
}

/**
 * The run's event-loop delay: the largest lateness among the seconds that lie wholly within [startMs, endMs] (epoch
 * ms), and how many there were. A second ends where the next begins (later than 1000 ms after it when a stall
 * delayed the tick that closed it), the last one written 1000 ms after it began at the earliest. The partial seconds
 * at either end are left out (they may hold the warm-up's delays); -Infinity when no second fits.
 */
export function computeRunLoopDelay(seconds: readonly LoopProbeSecond[], startMs: number, endMs: number): { maxLatenessMs: number; seconds: number } {
  const within = seconds.filter((s, i) => s.at >= startMs && Math.max(s.at + 1000, seconds[i + 1]?.at ?? 0) <= endMs);
  return { maxLatenessMs: Math.max(...within.map((s) => s.maxLatenessMs)), seconds: within.length };
}
