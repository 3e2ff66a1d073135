/** The identities file: parsing (every problem at once), unknown keys, strict mode. */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { parseIdentities, resolveCaller } from '../../../../src/kms-emulator/access/identities.js';

const fallback = { principalArn: 'arn:aws:iam::111122223333:user/xks-rehearsal', account: '111122223333' };

test('identities: access key id -> principal ARN and account; unknown keys are the default caller', () => {
  const ids = parseIdentities({ identities: [{ accessKeyId: 'AKIAAPPEXAMPLE0001', principalArn: 'arn:aws:iam::111122223333:role/app' }] });
  assert.deepEqual(resolveCaller(ids, 'AKIAAPPEXAMPLE0001', fallback), { accessKeyId: 'AKIAAPPEXAMPLE0001', principalArn: 'arn:aws:iam::111122223333:role/app', account: '111122223333', iamPolicy: undefined });
  assert.equal(resolveCaller(ids, 'AKIAOTHEREXAMPLE99', fallback)?.principalArn, fallback.principalArn);
});

test('identities: strict mode refuses unknown access keys', () => {
  const ids = parseIdentities({ strict: true, identities: [] });
  assert.equal(resolveCaller(ids, 'AKIAOTHEREXAMPLE99', fallback), undefined);
});

test('identities: every problem is listed in one error', () => {
  assert.throws(
    () => parseIdentities({ strict: 'yes', identities: [{ accessKeyId: 'lower', principalArn: 'arn:aws:iam::1:user/x' }, 7, { accessKeyId: 'AKIAAPPEXAMPLE0001', principalArn: 'arn:aws:iam::111122223333:user/a', iamPolicy: {} }] }),
    (e: Error) => /5 problem/.test(e.message) && /strict/.test(e.message) && /identities\[0\]\.accessKeyId/.test(e.message) && /identities\[0\]\.principalArn/.test(e.message) && /identities\[1\]/.test(e.message) && /identities\[2\]\.iamPolicy/.test(e.message),
  );
});
