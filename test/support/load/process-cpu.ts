/**
 * CPU time of a process and all its descendants (a `xks serve --workers N` primary and its workers), read from
 * Linux's /proc: utime + stime of every live process in the tree. Take it before and after a run; the difference
 * divided by the requests served is the CPU cost per request, whatever the number of processes.
 */
import { execFileSync } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';

const CLOCK_TICKS_PER_SECOND = Number(execFileSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).trim()) || 100;

/** The pids of the direct children of `pid`. */
export function processChildren(pid: number): number[] {
  const out: number[] = [];
  for (const task of readdirSync(`/proc/${pid}/task`)) {
    const text = readFileSync(`/proc/${pid}/task/${task}/children`, 'utf8').trim();
    if (text !== '') out.push(...text.split(/\s+/).map(Number));
  }
  return out;
}

function cpuMsOf(pid: number): number {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  // Fields after the command name (which may contain spaces) in parentheses: utime is field 14, stime 15.
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return ((Number(fields[11]) + Number(fields[12])) * 1000) / CLOCK_TICKS_PER_SECOND;
}

function rssKbOf(pid: number): number {
  return Number(/VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1] ?? 0);
}

/** Resident memory of `rootPid` and its live descendants together, in bytes. */
export function processTreeRss(rootPid: number): number {
  let kb = 0;
  const queue = [rootPid];
  while (queue.length > 0) {
    const pid = queue.pop() as number;
    try {
      kb += rssKbOf(pid);
      queue.push(...processChildren(pid));
    } catch {
      // The process ended between the listing and the read.
    }
  }
  return kb * 1024;
}

/** Milliseconds of CPU used so far by the process `rootPid` and its live descendants, and how many they are. */
export function processTreeCpu(rootPid: number): { cpuMs: number; processes: number } {
  let cpuMs = 0;
  let processes = 0;
  const queue = [rootPid];
  while (queue.length > 0) {
    const pid = queue.pop() as number;
    try {
      cpuMs += cpuMsOf(pid);
      processes += 1;
      queue.push(...processChildren(pid));
    } catch {
      // The process ended between the listing and the read.
    }
  }
  return { cpuMs, processes };
}

/**
 * A process's main thread (for Node.js: the event loop's) as the scheduler saw it, from /proc/<pid>/task/<pid>/schedstat:
 * time on a CPU and time runnable but waiting for one (ms, since the thread started). The waiting time tells a busy
 * machine from a blocked loop: an event-loop delay the thread spent waiting for a CPU is the neighbours'. Undefined
 * where the kernel does not expose schedstat.
 */
export function mainThreadSchedule(pid: number): { onCpuMs: number; runQueueWaitMs: number } | undefined {
  try {
    const [onCpuNs, waitNs] = readFileSync(`/proc/${pid}/task/${pid}/schedstat`, 'utf8').trim().split(/\s+/).map(Number);
    if (onCpuNs === undefined || waitNs === undefined || !Number.isFinite(onCpuNs) || !Number.isFinite(waitNs)) return undefined;
    return { onCpuMs: onCpuNs / 1e6, runQueueWaitMs: waitNs / 1e6 };
  } catch {
    return undefined;
  }
}

/** The CPUs each thread of `pid` may run on (`Cpus_allowed_list`, e.g. `0` or `0-1`), the event-loop thread first. */
export function threadCpus(pid: number): { main: string; others: Map<string, number> } {
  const cpusOf = (tid: string): string => /Cpus_allowed_list:\s+(\S+)/.exec(readFileSync(`/proc/${pid}/task/${tid}/status`, 'utf8'))?.[1] ?? '?';
  const others = new Map<string, number>();
  for (const tid of readdirSync(`/proc/${pid}/task`)) {
    if (tid === String(pid)) continue;
    const cpus = cpusOf(tid);
    others.set(cpus, (others.get(cpus) ?? 0) + 1);
  }
  return { main: cpusOf(String(pid)), others };
}
