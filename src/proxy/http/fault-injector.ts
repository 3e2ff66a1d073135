/**
 * Applies the fault decision (fault-rules.ts) to one XKS request at one place of the request path: after
 * authentication and admission, around the operation's handler. Without a matching rule the answer is exactly
 * what the proxy would send.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { XKS_ERROR_CLASSES } from '../../errors/xks-errors.js';
import { sendJson } from './send-json.js';
import type { Logger } from '../../logging/create-logger.js';
import { chooseFaults, describeRule, type FaultAction, type FaultRule, type FaultTarget } from '../faults/fault-rules.js';

export interface FaultState {
  /** The rules in force now. */
  current(): readonly FaultRule[];
  /** Replace every rule (configuration load or reload, `xks faults set/clear`); logged loudly. */
  replace(rules: readonly FaultRule[], reason: string): void;
}

/** The rule set, closed over (not module state); every change is logged at warn level with each rule. */
export function createFaultState(initial: readonly FaultRule[], logger: Logger, reason: string): FaultState {
  let rules: readonly FaultRule[] = [];
  const state: FaultState = {
    current: () => rules,
    replace(next, why) {
      rules = Object.freeze([...next]);
      logger.warn(
        { faults: rules.map(describeRule), reason: why },
        `FAULT INJECTION ENABLED (--allow-faults): ${rules.length} rule(s) active; this proxy misbehaves on purpose`,
      );
    },
  };
  state.replace(initial, reason);
  return state;
}

export interface FaultInjector {
  /** Answer the request: `handle()` computes the normal answer; the faults that fire change or replace it. */
  respond(req: IncomingMessage, res: ServerResponse, target: FaultTarget, handle: () => Promise<unknown>, log: { fault?: string }): Promise<void>;
}

function flipFirstBit(b64: unknown): unknown {
  if (typeof b64 !== 'string' || b64.length === 0) return b64;
  const bytes = Buffer.from(b64, 'base64');
  if (bytes.length === 0) return b64;
  bytes[0] = (bytes[0] ?? 0) ^ 0x01;
  return bytes.toString('base64');
}

/** Operation-specific faults change fields of the normal answer; on other operations they change nothing. */
function alterAnswer(answer: unknown, fault: FaultAction): unknown {
  if (answer === null || typeof answer !== 'object') return answer;
  const a = { ...(answer as Record<string, unknown>) };
  if (fault.type === 'wrong-cdiv' && 'ciphertextDataIntegrityValue' in a) a['ciphertextDataIntegrityValue'] = flipFirstBit(a['ciphertextDataIntegrityValue']);
  if (fault.type === 'flip-ciphertext-bit') {
    if ('ciphertext' in a) a['ciphertext'] = flipFirstBit(a['ciphertext']);
    else if ('plaintext' in a) a['plaintext'] = flipFirstBit(a['plaintext']);
  }
  if (fault.type === 'health-status' && Array.isArray(a['ekmFleetDetails'])) {
    a['ekmFleetDetails'] = (a['ekmFleetDetails'] as Record<string, unknown>[]).map((d) => ({ ...d, healthStatus: fault.healthStatus }));
  }
  return a;
}

export function createFaultInjector(deps: { rules: () => readonly FaultRule[]; random: () => number; sleep?: (ms: number) => Promise<void> }): FaultInjector {
  const sleep = deps.sleep ?? ((ms: number) => new Promise<void>((r) => setTimeout(r, ms)));
  return {
    async respond(req, res, target, handle, log) {
      const decision = chooseFaults(deps.rules(), target, deps.random);
      if (decision === undefined) {
        sendJson(res, 200, await handle());
        return;
      }
      const outcome = decision.outcome;
      log.fault = [decision.delayMs > 0 ? `latency ${decision.delayMs} ms` : '', outcome === undefined ? '' : outcome.type === 'error' ? `error ${outcome.errorName}` : outcome.type]
        .filter((s) => s !== '')
        .join(' + ');
      if (decision.delayMs > 0) {
        await sleep(decision.delayMs);
        if (req.socket.destroyed) return;
      }
      if (outcome === undefined) {
        sendJson(res, 200, await handle());
        return;
      }
      switch (outcome.type) {
        case 'error':
          throw new XKS_ERROR_CLASSES[outcome.errorName](`Injected fault: ${outcome.errorName}`);
        case 'drop-connection':
          req.socket.destroy();
          return;
        case 'malformed-body': {
          await handle();
          const body = 'injected fault: this body is not JSON';
          res.writeHead(200, { 'Content-Type': 'application/json', 'Content-Length': Buffer.byteLength(body) });
          res.end(body);
          return;
        }
        case 'truncated-body': {
          const json = JSON.stringify(await handle());
          res.writeHead(200, { 'Content-Type': 'application/json', 'Content-Length': Buffer.byteLength(json) });
          res.write(json.slice(0, Math.floor(json.length / 2)), () => req.socket.destroy());
          return;
        }
        default:
          sendJson(res, 200, alterAnswer(await handle(), outcome));
      }
    },
  };
}
