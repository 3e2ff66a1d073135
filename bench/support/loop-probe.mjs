/**
 * An event-loop lateness probe for benchmarks: `node --import bench/support/loop-probe.mjs ...` with env
 * XKS_LOOP_PROBE_FILE=<path> appends one JSON line per second of the process's life to <path>:
 *
 *   {"at":1765025000123,"maxLatenessMs":0.42}
 *
 * `at` is the epoch ms at which that second began; `maxLatenessMs` is the largest lateness of a 1 ms timer over it:
 * how long after it was due the event loop got round to running it (0 when never late). A stall of S ms shows as
 * about S ms (at least S - 1 ms). Plain JS so it loads in a dist/ run, without a TypeScript loader. Without
 * XKS_LOOP_PROBE_FILE it does nothing. It never keeps the process alive (its timer is unref'd) and loads nothing
 * into the process but node:fs. Only the main thread's event loop is probed (worker threads load it too, and skip).
 *
 * Why not perf_hooks.monitorEventLoopDelay (prom-client's nodejs_eventloop_lag_*): that histogram records the
 * interval between two ticks of a repeating timer, not how late a tick was. Node's src/node_perf.cc
 * (CreateELDHistogram) starts an IntervalHistogram (src/histogram.cc: uv_timer_start(&timer_, TimerCB, interval_,
 * interval_)) whose callback is histogram.RecordDelta(), and RecordDelta (src/histogram-inl.h) records
 * uv_hrtime() - prev_: the time since the previous tick. An idle process therefore reports the resolution itself
 * (about 10 ms at resolution 10), and a stall shows as up to one resolution more than its lateness. Its resolution 1
 * with "max - 1 ms" would measure lateness too, but reading it per second needs histogram.reset(), which forgets
 * the previous tick (prev_ = 0): a stall whose tick runs just after the reset is lost. Here one JS timer both
 * measures and closes each second, so no tick falls between two seconds.
 *
 * How: a 1 ms timer re-armed with refresh() (no allocation per tick); on each tick, lateness = now - (time it was
 * armed + 1 ms), clamped at 0 (Node arms it from the loop's cached millisecond clock, so a tick can look a little
 * early). Resolution about 1 ms: libuv's timers and epoll timeouts are whole milliseconds. When a tick finds the
 * second over, it writes the line (one small synchronous write a second, charged to the next tick if it is slow).
 *
 * Its own cost, measured on the bench machine (Node 20.20, load average 0.1 to 4; CPU over 10 s): an idle `xks serve`
 * (from source) takes 5 ms of CPU per second without it and 22-30 ms with it (two runs each, /proc's CPU times), so
 * the probe adds about 17-25 ms per second, 2-2.5 % of one core. A bare `node` process: 0.1 ms/s without it, 33 ms/s
 * with it (process.cpuUsage()); monitorEventLoopDelay costs 23 ms/s at resolution 1 and 5 ms/s at prom-client's
 * resolution 10 in the same process. Most of it is the loop waking up 1000 times a second, which a loaded loop does
 * anyway: the idle figure is an upper bound.
 */
import { closeSync, openSync, writeSync } from 'node:fs';
import { performance } from 'node:perf_hooks';
import { isMainThread } from 'node:worker_threads';

// Worker threads inherit --import: the proxy's HSM threads would each run a probe of their own into the same file.
const path = process.env.XKS_LOOP_PROBE_FILE;
if (isMainThread && path !== undefined && path !== '') startLoopProbe(path);

/** @param {string} file */
function startLoopProbe(file) {
  const fd = openSync(file, 'a');
  let secondStartedAt = performance.now();
  let secondEpochMs = Date.now();
  let maxLatenessMs = 0;
  let armedAt = performance.now();
  const tick = () => {
    const now = performance.now();
    maxLatenessMs = Math.max(maxLatenessMs, now - (armedAt + 1));
    if (now - secondStartedAt >= 1000) {
      writeSync(fd, `${JSON.stringify({ at: secondEpochMs, maxLatenessMs: Math.round(maxLatenessMs * 1000) / 1000 })}\n`);
      secondStartedAt = now;
      secondEpochMs = Date.now();
      maxLatenessMs = 0;
    }
    armedAt = performance.now();
    timer.refresh();
  };
  const timer = setTimeout(tick, 1);
  timer.unref();
  process.once('exit', () => closeSync(fd));
}
