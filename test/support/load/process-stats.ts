/** CPU time and resident memory of another process, from Linux's /proc (the benchmarks run on Linux). */
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';

const CLOCK_TICKS_PER_SECOND = (() => {
  try {
    return Number(execFileSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).trim()) || 100;
  } catch {
    return 100;
  }
})();

/** User + system CPU time of `pid`, in microseconds. */
export function cpuMicros(pid: number): number {
  // /proc/<pid>/stat: the command name is in parentheses and may hold spaces; fields 14 and 15 follow it.
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  const ticks = Number(fields[11]) + Number(fields[12]);
  return (ticks * 1e6) / CLOCK_TICKS_PER_SECOND;
}

/** Resident set size of `pid`, in bytes. */
export function rssBytes(pid: number): number {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  const kb = /VmRSS:\s+(\d+) kB/.exec(status)?.[1];
  return kb === undefined ? 0 : Number(kb) * 1024;
}

/** Sample the RSS of `pid` every `everyMs` and keep the largest; stop() returns it. */
export function sampleMaxRss(pid: number, everyMs = 100): { stop(): number; readonly max: number } {
  let max = 0;
  const sample = () => {
    try {
      max = Math.max(max, rssBytes(pid));
    } catch {
      // the process is gone
    }
  };
  sample();
  const timer = setInterval(sample, everyMs);
  return {
    stop() {
      clearInterval(timer);
      sample();
      return max;
    },
    get max() {
      return max;
    },
  };
}

export const MiB = 1024 * 1024;
