/**
 * Micro-benchmark: one AES-256-GCM encrypt + decrypt of a 4300-byte plaintext with 8192 bytes of AAD
 * (spec A5's handling minimums) per engine, in microseconds. Every round trip is checked, so an engine
 * cannot look fast by doing less. Run: npx tsx bench/aes-gcm.ts [iterations]
 */
import { randomBytes } from 'node:crypto';
import { performance } from 'node:perf_hooks';
import { AES_GCM_ENGINE_NAMES, createAesGcmEngine, type AesGcmEngine } from '../src/crypto/aes-gcm.js';
import { SPEC_MIN_AAD_BYTES, SPEC_MIN_PLAINTEXT_BYTES } from '../src/xks/limits.js';

const ITERATIONS = Number(process.argv[2] ?? 2000);
const WARMUP = Math.max(50, Math.floor(ITERATIONS / 10));

const key = new Uint8Array(randomBytes(32));
const iv = new Uint8Array(randomBytes(12));
const plaintext = new Uint8Array(randomBytes(SPEC_MIN_PLAINTEXT_BYTES));
const aad = new Uint8Array(randomBytes(SPEC_MIN_AAD_BYTES));

function roundTrip(engine: AesGcmEngine): number {
  const { ciphertext, tag } = engine.encrypt(key, iv, plaintext, aad);
  const back = engine.decrypt(key, iv, ciphertext, tag, aad);
  if (back.length !== plaintext.length || back[back.length - 1] !== plaintext[plaintext.length - 1]) {
    throw new Error(`${engine.name}: round trip failed`);
  }
  return back[0] ?? 0;
}

function measure(engine: AesGcmEngine, iterations: number): { perOpUs: number; sink: number } {
  let sink = 0;
  for (let i = 0; i < WARMUP; i++) sink ^= roundTrip(engine);
  const start = performance.now();
  for (let i = 0; i < iterations; i++) sink ^= roundTrip(engine);
  const elapsedMs = performance.now() - start;
  return { perOpUs: (elapsedMs * 1000) / iterations, sink };
}

console.log(`AES-256-GCM encrypt+decrypt, plaintext ${SPEC_MIN_PLAINTEXT_BYTES} B, AAD ${SPEC_MIN_AAD_BYTES} B, IV 12 B, node ${process.version}`);
for (const name of AES_GCM_ENGINE_NAMES) {
  const engine = createAesGcmEngine(name);
  // noble is ~15x slower: fewer iterations keep the run short without changing the per-op figure.
  const iterations = name === 'noble' ? Math.max(100, Math.floor(ITERATIONS / 10)) : ITERATIONS;
  const { perOpUs, sink } = measure(engine, iterations);
  console.log(`${name.padEnd(6)} ${perOpUs.toFixed(1).padStart(8)} us/op  (${iterations} iterations, sink ${sink})`);
}
