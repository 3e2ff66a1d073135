/**
 * CPU time this process spent running `work`, in ms (user + system, from process.cpuUsage). For tests that bound how
 * much work something does (no backtracking blow-up, no key derivation): unlike wall time, other processes on a busy
 * machine delay the work but do not add to it, so the bound measures the code, not the machine's load.
 */
export function cpuMs<T>(work: () => T): { readonly value: T; readonly ms: number } {
  const before = process.cpuUsage();
  const value = work();
  const spent = process.cpuUsage(before);
  return { value, ms: (spent.user + spent.system) / 1000 };
}
