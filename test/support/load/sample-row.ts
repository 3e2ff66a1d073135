import type { Row } from './bench-report.js';

/** A bench table row with plausible figures, for tests of the table's arithmetic: only the CPU figure varies. */
export const sampleRow = (operation: string, server: string, cpuMicrosPerRequest: number): Row => ({
  operation,
  server,
  bodyBytes: 100,
  requestsPerSecond: 1000,
  cpuMicrosPerRequest,
  rate: 1800,
  p50Ms: 1,
  p99Ms: 2,
  maxMs: 3,
  errors: 0,
  rssMiB: 50,
});
