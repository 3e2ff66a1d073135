/**
 * docs/troubleshooting.md is generated from src/kms-emulator/troubleshooting/troubleshooting.ts (one source for the docs and any UI), and
 * the guide (with src/kms-emulator/custom-key-stores/connection-error-help.ts) covers every ConnectionErrorCode of an external key store (spec B6) and every KMS exception of spec
 * B8, including every exception the emulator's outcome table can raise.
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, it } from 'node:test';
import { OUTCOME_MAPPING } from '../../src/kms-emulator/custom-key-stores/proxy-outcome-mapping.js';
import { XKS_CONNECTION_ERROR_CODES } from '../../src/kms-emulator/store/records.js';
import { CONNECTION_ERROR_CONFIRM, KMS_EXCEPTION_GUIDE } from '../../src/kms-emulator/troubleshooting/troubleshooting.js';
import { GENERATED_END, GENERATED_START, renderTroubleshootingGuide, replaceGeneratedSection } from '../../src/kms-emulator/troubleshooting/troubleshooting-markdown.js';
import { anchorsOf, repoRoot } from './markdown.js';

/** spec B8, transcribed: the KMS exceptions an external key store can produce. */
const SPEC_B8 = [
  'CustomKeyStoreNotFoundException', 'CustomKeyStoreInvalidStateException', 'CustomKeyStoreNameInUseException', 'CustomKeyStoreHasCMKsException',
  'XksProxyUriInUseException', 'XksProxyUriEndpointInUseException', 'XksProxyVpcEndpointServiceInUseException', 'XksProxyVpcEndpointServiceNotFoundException',
  'XksProxyVpcEndpointServiceInvalidConfigurationException', 'XksProxyIncorrectAuthenticationCredentialException', 'XksProxyInvalidConfigurationException',
  'XksProxyInvalidResponseException', 'XksProxyUriUnreachableException', 'XksKeyAlreadyInUseException', 'XksKeyNotFoundException',
  'XksKeyInvalidConfigurationException', 'UnsupportedOperationException', 'LimitExceededException', 'InvalidMarkerException', 'KMSInvalidStateException',
  'DisabledException', 'NotFoundException', 'KMSInternalException', 'KeyUnavailableException', 'DependencyTimeoutException',
];

const page = readFileSync(path.join(repoRoot, 'docs', 'troubleshooting.md'), 'utf8');

describe('docs: troubleshooting guide', () => {
  it('docs/troubleshooting.md holds exactly the rendering of src/kms-emulator/troubleshooting/troubleshooting.ts (run `npm run docs:troubleshooting`)', () => {
    assert.ok(page.includes(GENERATED_START) && page.includes(GENERATED_END), 'generated section markers missing');
    assert.equal(replaceGeneratedSection(page), page, 'the generated section is stale: run `npm run docs:troubleshooting`');
  });

  it('a stale page is detected: an edited cause no longer matches', () => {
    const edited = page.replace('A typo; another Region', 'A typo; another Planet');
    assert.notEqual(edited, page);
    assert.notEqual(replaceGeneratedSection(edited), edited);
  });

  it('every ConnectionErrorCode of an external key store (spec B6) has a way to confirm it and a section', () => {
    const anchors = anchorsOf(page);
    for (const code of XKS_CONNECTION_ERROR_CODES) {
      assert.ok(CONNECTION_ERROR_CONFIRM[code].length > 0, code);
      assert.ok(anchors.has(code.toLowerCase()), `no section for ${code}`);
    }
  });

  it('every KMS exception of spec B8, and every exception the outcome table raises, is explained', () => {
    const guided = new Set(Object.keys(KMS_EXCEPTION_GUIDE));
    const raised = Object.values(OUTCOME_MAPPING).flatMap((m) => [m.createOrUpdateCustomKeyStore, m.createKey]);
    for (const name of [...SPEC_B8, ...raised]) assert.ok(guided.has(name), `${name} is not in KMS_EXCEPTION_GUIDE`);
    for (const [name, e] of Object.entries(KMS_EXCEPTION_GUIDE)) {
      assert.ok(e.causes.length > 0 && e.confirm.length > 0 && e.fix.length > 0, name);
      if (e.seeAlso !== undefined) assert.ok((XKS_CONNECTION_ERROR_CODES as readonly string[]).includes(e.seeAlso), `${name}: seeAlso ${e.seeAlso}`);
    }
  });

  it('the rendering has a section per code and per exception', () => {
    const rendered = renderTroubleshootingGuide();
    for (const code of XKS_CONNECTION_ERROR_CODES) assert.ok(rendered.includes(`### ${code}\n`), code);
    for (const name of Object.keys(KMS_EXCEPTION_GUIDE)) assert.ok(rendered.includes(`[${name}](#${name.toLowerCase()})`), name);
  });
});
