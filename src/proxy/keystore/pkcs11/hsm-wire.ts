import type { HsmCall, HsmFailure, HsmResult } from './hsm-call.js';
import type { IvGeneration } from './pkcs11-config.js';

/**
 * How a call and its result cross between the event loop and an HSM thread (hsm-threads.ts): the scalars as they
 * are, and every byte array in ONE buffer, moved (transferred), never shared. One buffer instead of one per byte
 * array halves what a crossing costs (postMessage handles each transferred buffer and each typed array on both
 * sides). `spans` holds [offset, length] per part; a part that is absent has length -1.
 */
export interface WireBytes {
  readonly data: Uint8Array;
  readonly spans: readonly number[];
}

export interface CallMessage extends WireBytes {
  readonly id: number;
  readonly kind: HsmCall['kind'];
  readonly ivGeneration?: IvGeneration;
  readonly bytes?: number;
}

export interface AnswerMessage extends WireBytes {
  readonly id: number;
  readonly kind: HsmResult['kind'];
  readonly cdiv?: string;
  readonly roundTrips?: boolean;
  readonly checkFailure?: HsmFailure;
}

export type ResultMessage = AnswerMessage | { readonly id: number; readonly failure: HsmFailure };

/** The parts copied into one new buffer of their own (the caller's views may share a pooled slab). */
function packCopy(parts: readonly (Uint8Array | undefined)[]): WireBytes {
  const data = new Uint8Array(parts.reduce((n, p) => n + (p?.length ?? 0), 0));
  const spans: number[] = [];
  let at = 0;
  for (const p of parts) {
    if (p === undefined) {
      spans.push(0, -1);
      continue;
    }
    data.set(p, at);
    spans.push(at, p.length);
    at += p.length;
  }
  return { data, spans };
}

/** Slack allowed around the parts when their own buffer is sent whole (never a pooled slab: that is copied). */
const IN_PLACE_SLACK = 64;

/** The parts' own buffer sent whole when they all lie in one buffer that holds little else; else a copy. */
function packInPlace(parts: readonly Uint8Array[]): WireBytes {
  const buffer = parts[0]?.buffer;
  const used = parts.reduce((n, p) => n + p.length, 0);
  if (buffer === undefined || buffer instanceof SharedArrayBuffer || buffer.byteLength > used + IN_PLACE_SLACK || parts.some((p) => p.buffer !== buffer)) return packCopy(parts);
  return { data: new Uint8Array(buffer), spans: parts.flatMap((p) => [p.byteOffset, p.length]) };
}

function unpack(bytes: WireBytes): (Uint8Array | undefined)[] {
  const parts: (Uint8Array | undefined)[] = [];
  for (let i = 0; i < bytes.spans.length; i += 2) {
    const at = bytes.spans[i] ?? 0;
    const length = bytes.spans[i + 1] ?? -1;
    parts.push(length < 0 ? undefined : bytes.data.subarray(at, at + length));
  }
  return parts;
}

const need = (part: Uint8Array | undefined): Uint8Array => {
  if (part === undefined) throw new Error('an HSM call crossed without one of its parts');
  return part;
};

export function encodeCall(id: number, call: HsmCall): { readonly message: CallMessage; readonly transfer: ArrayBuffer[] } {
  const packed = (() => {
    switch (call.kind) {
      case 'encrypt':
        return { ...packCopy([call.session, call.key, call.plaintext, call.aad]), ivGeneration: call.ivGeneration };
      case 'encryptChecked':
        return { ...packCopy([call.session, call.key, call.plaintext, call.aad, call.metadata, call.cdivAad]), ivGeneration: call.ivGeneration };
      case 'decrypt':
        return packCopy([call.session, call.key, call.iv, call.ciphertext, call.tag, call.aad]);
      case 'random':
        return { ...packCopy([call.session]), bytes: call.bytes };
    }
  })();
  return { message: { id, kind: call.kind, ...packed }, transfer: [packed.data.buffer as ArrayBuffer] };
}

/** The call again, its byte arrays views into the message's one buffer. */
export function decodeCall(m: CallMessage): HsmCall {
  const [session, key, a, b, c, d] = unpack(m);
  const ivGeneration = m.ivGeneration ?? 'proxy';
  switch (m.kind) {
    case 'encrypt':
      return { kind: 'encrypt', session: need(session), key: need(key), ivGeneration, plaintext: need(a), aad: need(b) };
    case 'encryptChecked':
      return { kind: 'encryptChecked', session: need(session), key: need(key), ivGeneration, plaintext: need(a), aad: need(b), metadata: need(c), ...(d !== undefined && { cdivAad: d }) };
    case 'decrypt':
      return { kind: 'decrypt', session: need(session), key: need(key), iv: need(a), ciphertext: need(b), tag: need(c), aad: need(d) };
    case 'random':
      return { kind: 'random', session: need(session), bytes: m.bytes ?? 0 };
  }
}

export function encodeResult(id: number, result: HsmResult): { readonly message: AnswerMessage; readonly transfer: ArrayBuffer[] } {
  const packed = ((): WireBytes & { cdiv?: string; roundTrips?: boolean; checkFailure?: HsmFailure } => {
    switch (result.kind) {
      case 'encrypt':
        return packInPlace([result.iv, result.ciphertext, result.tag]);
      case 'encryptChecked':
        return { ...packInPlace([result.iv, result.ciphertext, result.tag]), cdiv: result.cdiv, roundTrips: result.roundTrips, ...(result.checkFailure !== undefined && { checkFailure: result.checkFailure }) };
      case 'decrypt':
        return packInPlace([result.plaintext]);
      case 'random':
        return packInPlace([result.random]);
    }
  })();
  return { message: { id, kind: result.kind, ...packed }, transfer: [packed.data.buffer as ArrayBuffer] };
}

/** The result again (its byte arrays views into the message's one buffer), or the call's failure. */
export function decodeResult(m: ResultMessage): { readonly result: HsmResult } | { readonly failure: HsmFailure } {
  if ('failure' in m) return { failure: m.failure };
  const [a, b, c] = unpack(m);
  switch (m.kind) {
    case 'encrypt':
      return { result: { kind: 'encrypt', iv: need(a), ciphertext: need(b), tag: need(c) } };
    case 'encryptChecked':
      return { result: { kind: 'encryptChecked', iv: need(a), ciphertext: need(b), tag: need(c), cdiv: m.cdiv ?? '', roundTrips: m.roundTrips === true, ...(m.checkFailure !== undefined && { checkFailure: m.checkFailure }) } };
    case 'decrypt':
      return { result: { kind: 'decrypt', plaintext: need(a) } };
    case 'random':
      return { result: { kind: 'random', random: need(a) } };
  }
}
