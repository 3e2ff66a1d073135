import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import type { Command } from 'commander';
import type { KeyStoreConfig, ProxyConfig } from '../proxy/config/load-config.js';
import { decodeBase64Strict } from '../crypto/base64.js';
import { createKeyCodecRegistry } from '../proxy/keystore/key-codec-registry.js';
import { openKeyDirectory, summarizeKey, type KeyDirectory, type KeySummary } from '../proxy/keystore/key-directory.js';
import { KEY_STATUSES, KEY_USAGES, type KeyStatus, type KeyUsage, type XksKey } from '../proxy/keystore/key-store.js';
import { KEY_BYTES } from '../xks/limits.js';
import type { CliContext } from './cli-context.js';
import { resolveConfig, selectKeyStore } from './resolve-config.js';
import { describeServedFromMemory } from './served-from-memory.js';
import { formatHsmKeyList, HSM_ROTATE_REFUSAL, hsmStatusInstruction, usageFlags, withHsm, withOverride } from './hsm-keys.js';

interface StoreOptions {
  config?: string;
  store?: string;
  json?: boolean;
}

/** Told after every change: how a running proxy learns of it. */
const PICKUP_NOTE = 'a running proxy picks this up from its key directory watch within about a second (no restart)';

/** "ENCRYPT,DECRYPT", "encrypt", "none" -> usages. */
export function parseUsageList(text: string): KeyUsage[] {
  if (text.trim().toLowerCase() === 'none' || text.trim() === '') return [];
  const out = text.split(',').map((u) => u.trim().toUpperCase());
  for (const u of out) {
    if (!(KEY_USAGES as readonly string[]).includes(u)) throw new Error(`unknown key usage ${JSON.stringify(u)}: use ENCRYPT, DECRYPT, both comma-separated, or none`);
  }
  if (new Set(out).size !== out.length) throw new Error('key usage lists a value twice');
  return out as KeyUsage[];
}

function parseStatus(text: string): KeyStatus {
  const s = text.toUpperCase();
  if (!(KEY_STATUSES as readonly string[]).includes(s)) throw new Error(`unknown key status ${JSON.stringify(text)}: use ENABLED or DISABLED`);
  return s as KeyStatus;
}

/** Material for `import`: a file holding 32 raw bytes or standard base64 of 32 bytes (never a command-line argument). */
export function parseMaterial(bytes: Uint8Array, where: string): Uint8Array {
  if (bytes.length === KEY_BYTES) return Uint8Array.from(bytes);
  const text = Buffer.from(bytes).toString('utf8').trim();
  const decoded = decodeBase64Strict(text);
  Buffer.from(bytes).fill(0);
  if (decoded?.length !== KEY_BYTES) throw new Error(`${where}: expected ${KEY_BYTES} raw bytes or standard base64 of ${KEY_BYTES} bytes`);
  return decoded;
}

export function formatKeyList(keys: readonly KeySummary[]): string {
  if (keys.length === 0) return '(no keys)\n';
  const rows = keys.map((k) => [k.externalKeyId, k.keyStatus, k.keyUsage.join(',') || 'none', `v${k.currentVersion}`, String(k.versions.length), k.createdAt ?? '-']);
  const header = ['EXTERNAL KEY ID', 'STATUS', 'USAGE', 'CURRENT', 'VERSIONS', 'CREATED'];
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]?.length ?? 0)));
  const line = (r: readonly string[]) => r.map((c, i) => (i === r.length - 1 ? c : c.padEnd(widths[i] ?? 0))).join('  ');
  return `${[line(header), ...rows.map(line)].join('\n')}\n`;
}

export function formatKeyShow(k: KeySummary, extra: { encryptedAtRest: boolean; override?: string }): string {
  return [
    `externalKeyId   ${k.externalKeyId}`,
    `keySpec         AES_256`,
    `keyStatus       ${k.keyStatus}`,
    `keyUsage        ${k.keyUsage.join(',') || 'none'}`,
    `created         ${k.createdAt ?? '-'}`,
    `current version ${k.currentVersion} (Encrypt uses it; every version below decrypts)`,
    ...k.versions.map((v) => `  version ${v.version}  created ${v.createdAt ?? '-'}`),
    `file            ${k.file}${extra.encryptedAtRest ? ' (encrypted at rest)' : ''}`,
    ...(extra.override === undefined ? [] : [`config override ${extra.override}`]),
    '',
  ].join('\n');
}

export function registerKeysCommand(program: Command, ctx: CliContext): void {
  const keys = program
    .command('keys')
    .description("manage the external keys in a key store's key directory; a running proxy picks changes up from its directory watch, no restart");

  const withStore = (cmd: Command) =>
    cmd
      .option('-c, --config <file>', 'configuration file (JSON); default: $XKS_CONFIG, else the dev default')
      .option('-s, --store <name>', 'key store name (needed when the configuration has several)');

  function open(options: StoreOptions): { config: ProxyConfig; store: KeyStoreConfig; dir: KeyDirectory } {
    const { config } = resolveConfig(ctx, options.config, 'read');
    const store = selectKeyStore(config, options.store);
    const codec = createKeyCodecRegistry().codecFor(store);
    return { config, store, dir: openKeyDirectory(requireKeyDirectory(store), { codec }) };
  }

  /** The selected store when its keys are in a PKCS#11 token (docs/hsm.md), else undefined. */
  function hsmStore(options: StoreOptions): KeyStoreConfig | undefined {
    const { config } = resolveConfig(ctx, options.config, 'read');
    const store = selectKeyStore(config, options.store);
    return store.pkcs11 === undefined ? undefined : store;
  }

  function requireKeyDirectory(store: KeyStoreConfig): string {
    if (store.keyDirectory !== undefined) return store.keyDirectory;
    throw new Error(`key store ${store.name} keeps its keys in the PKCS#11 token ${JSON.stringify(store.pkcs11?.tokenLabel)}: xks keys create and list work on it, disable and enable say what to put in the configuration; import, show and set-usage do not (docs/hsm.md#keys). Rotation: ${HSM_ROTATE_REFUSAL}`);
  }

  function overrideNote(store: KeyStoreConfig, id: string): string | undefined {
    const o = Object.hasOwn(store.keys, id) ? store.keys[id] : undefined;
    if (o === undefined) return undefined;
    const parts = [o.keyStatus === undefined ? '' : `keyStatus ${o.keyStatus}`, o.keyUsage === undefined ? '' : `keyUsage ${o.keyUsage.join(',') || 'none'}`];
    return `${parts.filter(Boolean).join(', ')} (the configuration's keys.${id} wins over the key file)`;
  }

  function report(options: StoreOptions, store: KeyStoreConfig, key: XksKey, verb: string): void {
    const summary = summarizeKey(key, `${store.keyDirectory}/${key.externalKeyId}.json`);
    if (options.json === true) {
      ctx.stdout.write(`${JSON.stringify(summary, null, 2)}\n`);
    } else {
      ctx.stdout.write(
        `${verb} ${key.externalKeyId} in key store ${store.name}: ${key.keyStatus}, ${key.keyUsage.join(',') || 'no usage'}, current version ${summary.currentVersion}\n`,
      );
    }
    const note = overrideNote(store, key.externalKeyId);
    if (note !== undefined) ctx.stderr.write(`note: config override ${note}\n`);
    ctx.stderr.write(`${PICKUP_NOTE}\n`);
  }

  withStore(keys.command('create <externalKeyId>'))
    .description('create a key with fresh random AES-256 material (version 1)')
    .option('--usage <list>', 'ENCRYPT,DECRYPT (default), ENCRYPT, DECRYPT or none', 'ENCRYPT,DECRYPT')
    .option('--status <status>', 'ENABLED (default) or DISABLED', 'ENABLED')
    .option('--json', 'print the key metadata as JSON')
    .action(async (id: string, options: StoreOptions & { usage: string; status: string }) => {
      const hsm = hsmStore(options);
      if (hsm !== undefined) {
        if (parseStatus(options.status) === 'DISABLED') throw new Error(hsmStatusInstruction(hsm, id, 'DISABLED'));
        const key = await withHsm(hsm, (b) => b.createKey(id, usageFlags(parseUsageList(options.usage))));
        ctx.stdout.write(options.json === true ? `${JSON.stringify(key, null, 2)}\n` : `created ${id} in PKCS#11 token ${JSON.stringify(hsm.pkcs11?.tokenLabel)} of key store ${hsm.name}: AES-256, ${key.keyUsage.join(',') || 'no usage'}, sensitive, not extractable\n`);
        ctx.stderr.write(`a running proxy serves it within keyCacheMs (${hsm.pkcs11?.keyCacheMs ?? 0} ms), no restart\n`);
        return;
      }
      const { store, dir } = open(options);
      const key = dir.create({ externalKeyId: id, keyUsage: parseUsageList(options.usage), keyStatus: parseStatus(options.status) });
      report(options, store, key, 'created');
    });

  withStore(keys.command('import <externalKeyId>'))
    .description('import existing AES-256 material (32 raw bytes or base64) from a file or an environment variable; never from the command line')
    .option('--material-file <file>', 'file holding the material (use /dev/stdin to pipe it)')
    .option('--material-env <name>', 'environment variable holding the base64 material')
    .option('--usage <list>', 'ENCRYPT,DECRYPT (default), ENCRYPT, DECRYPT or none', 'ENCRYPT,DECRYPT')
    .option('--status <status>', 'ENABLED (default) or DISABLED', 'ENABLED')
    .option('--json', 'print the key metadata as JSON')
    .action((id: string, options: StoreOptions & { usage: string; status: string; materialFile?: string; materialEnv?: string }) => {
      if ((options.materialFile === undefined) === (options.materialEnv === undefined)) throw new Error('give exactly one of --material-file or --material-env');
      const material =
        options.materialFile !== undefined
          ? parseMaterial(readFileSync(resolve(ctx.cwd, options.materialFile)), options.materialFile)
          : parseMaterial(Buffer.from(ctx.env[options.materialEnv ?? ''] ?? '', 'utf8'), `$${options.materialEnv}`);
      const { store, dir } = open(options);
      try {
        const key = dir.import({ externalKeyId: id, keyUsage: parseUsageList(options.usage), keyStatus: parseStatus(options.status) }, material);
        report(options, store, key, 'imported');
      } finally {
        material.fill(0);
      }
    });

  withStore(keys.command('list'))
    .description('list the keys (metadata only, never material); problems with key files go to stderr')
    .option('--json', 'print JSON')
    .action(async (options: StoreOptions) => {
      const hsm = hsmStore(options);
      if (hsm !== undefined) {
        const listed = (await withHsm(hsm, (b) => b.listKeys())).map((k) => withOverride(hsm, k));
        ctx.stdout.write(options.json === true ? `${JSON.stringify(listed, null, 2)}\n` : formatHsmKeyList(listed));
        return;
      }
      const { config, store, dir } = open(options);
      const listed = dir.list();
      const summaries = listed.keys.map((k) => summarizeKey(k, `${store.keyDirectory}/${k.externalKeyId}.json`));
      ctx.stdout.write(options.json === true ? `${JSON.stringify(summaries, null, 2)}\n` : formatKeyList(summaries));
      for (const w of listed.warnings) ctx.stderr.write(`warning: ${w.file}: ${w.message}\n`);
      for (const p of listed.problems) ctx.stderr.write(`problem: ${p.file}: ${p.message}\n`);
      if (listed.problems.length > 0) {
        for (const line of await describeServedFromMemory(config, store.name)) ctx.stderr.write(`${line}\n`);
      }
    });

  withStore(keys.command('show <externalKeyId>'))
    .description("show one key's metadata and versions (never its material)")
    .option('--json', 'print JSON')
    .action((id: string, options: StoreOptions) => {
      const { store, dir } = open(options);
      const summary = summarizeKey(dir.get(id), `${store.keyDirectory}/${id}.json`);
      const override = overrideNote(store, id);
      if (options.json === true) ctx.stdout.write(`${JSON.stringify({ ...summary, encryptedAtRest: store.keyEncryption !== undefined, ...(override !== undefined && { configOverride: override }) }, null, 2)}\n`);
      else ctx.stdout.write(formatKeyShow(summary, { encryptedAtRest: store.keyEncryption !== undefined, ...(override !== undefined && { override }) }));
    });

  for (const [name, status] of [
    ['enable', 'ENABLED'],
    ['disable', 'DISABLED'],
  ] as const) {
    withStore(keys.command(`${name} <externalKeyId>`))
      .description(`set keyStatus ${status} (a DISABLED key answers GetKeyMetadata and refuses Encrypt/Decrypt with InvalidStateException)`)
      .option('--json', 'print the key metadata as JSON')
      .action((id: string, options: StoreOptions) => {
        const hsm = hsmStore(options);
        if (hsm !== undefined) throw new Error(hsmStatusInstruction(hsm, id, status));
        const { store, dir } = open(options);
        report(options, store, dir.setStatus(id, status), name === 'enable' ? 'enabled' : 'disabled');
      });
  }

  withStore(keys.command('set-usage <externalKeyId> <usage>'))
    .description('set keyUsage: ENCRYPT,DECRYPT, ENCRYPT, DECRYPT or none')
    .option('--json', 'print the key metadata as JSON')
    .action((id: string, usage: string, options: StoreOptions) => {
      const { store, dir } = open(options);
      report(options, store, dir.setUsage(id, parseUsageList(usage)), 'updated');
    });

  withStore(keys.command('rotate <externalKeyId>'))
    .description('add a new version of the material: Encrypt uses it from now on, every older version still decrypts')
    .option('--json', 'print the key metadata as JSON')
    .action((id: string, options: StoreOptions) => {
      const { store, dir } = open(options);
      report(options, store, dir.rotate(id), 'rotated');
    });

  withStore(keys.command('delete <externalKeyId>'))
    .description('delete a key file; refused without --force because ciphertext under the key can never be decrypted again')
    .option('--force', 'really delete: every ciphertext made under this key becomes undecryptable, for good')
    .action((id: string, options: StoreOptions & { force?: boolean }) => {
      const { store, dir } = open(options);
      const key = dir.get(id);
      const warning =
        `deleting ${id} destroys ${key.versions.length} version(s) of key material: every ciphertext made under it, ` +
        'and every KMS key and data key that depends on it, becomes undecryptable for good. Consider `xks keys disable` instead.';
      if (options.force !== true) throw new Error(`refusing to delete without --force. ${warning}`);
      ctx.stderr.write(`WARNING: ${warning}\n`);
      dir.remove(id);
      ctx.stdout.write(`deleted ${id} from key store ${store.name}\n`);
      ctx.stderr.write(`${PICKUP_NOTE}\n`);
    });

  withStore(keys.command('encrypt-at-rest'))
    .description("rewrite every key file wrapped under the key store's keyEncryption (turns encryption at rest on for an existing directory)")
    .action((options: StoreOptions) => {
      const { store, dir } = open(options);
      if (store.keyEncryption === undefined) throw new Error(`key store ${store.name} has no keyEncryption in the configuration; add it first`);
      const ids = dir.rewriteAll();
      ctx.stdout.write(`wrapped ${ids.length} key file(s) in ${store.keyDirectory} under ${store.keyEncryption.kind === 'kek' ? 'the KEK' : 'the passphrase'} from ${store.keyEncryption.source}\n`);
    });

  withStore(keys.command('decrypt-at-rest'))
    .description('rewrite every key file in the plain xks-key/1 format (before removing keyEncryption from the configuration)')
    .action((options: StoreOptions) => {
      const { store } = open(options);
      if (store.keyEncryption === undefined) throw new Error(`key store ${store.name} has no keyEncryption: its files are already plain`);
      const registry = createKeyCodecRegistry();
      const reader = registry.codecFor(store);
      const plain = registry.codecFor({ name: store.name });
      // Reads both forms (with the configured secret), writes the plain one.
      const codec = { wraps: false, decode: (t: string) => reader.decode(t), encode: (k: XksKey) => plain.encode(k) };
      const ids = openKeyDirectory(requireKeyDirectory(store), { codec }).rewriteAll();
      ctx.stdout.write(`wrote ${ids.length} key file(s) in ${store.keyDirectory} in the plain format; now remove keyEncryption from the configuration\n`);
    });
}
