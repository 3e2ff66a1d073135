import assert from 'node:assert/strict';
import { test } from 'node:test';
import { compileGlob } from '../../../../src/proxy/authz/glob.js';
import { evaluatePolicy, parsePolicy, PolicyError, type AuthorizationRequest } from '../../../../src/proxy/authz/policy.js';
import { cpuMs } from '../../../support/cpu-time.js';

const ARN_A = 'arn:aws:kms:us-east-1:111122223333:key/1234abcd-12ab-34cd-56ef-1234567890ab';
const ARN_B = 'arn:aws:kms:eu-west-1:444455556666:key/ffff';

const policy = parsePolicy({
  default: 'deny',
  rules: [
    { id: 'deny-intruder', effect: 'deny', when: { awsPrincipalArn: 'arn:aws:iam::*:role/intruder*' } },
    { id: 'ebs-only-key', effect: 'allow', when: { externalKeyId: 'ebs-*', kmsViaService: 'ebs' } },
    { id: 'deny-ebs-key-otherwise', effect: 'deny', when: { externalKeyId: 'ebs-*' } },
    { id: 'vpce', effect: 'allow', when: { awsSourceVpce: ['vpce-1', 'vpce-2'], awsSourceVpc: 'vpc-?' } },
    { id: 'account-a', effect: 'allow', when: { kmsKeyArn: 'arn:aws:kms:*:111122223333:key/*', kmsOperation: ['Encrypt', 'Decrypt', 'GenerateDataKey*'] } },
    { effect: 'allow', when: { operation: 'GetKeyMetadata', kmsOperation: 'CreateKey' } },
  ],
});

const base: AuthorizationRequest = { operation: 'Encrypt', externalKeyId: 'k1', awsPrincipalArn: 'arn:aws:iam::111122223333:role/app', kmsKeyArn: ARN_A, kmsOperation: 'Encrypt' };

const table: readonly [string, AuthorizationRequest, 'allow' | 'deny', string][] = [
  ['account A encrypt', base, 'allow', 'account-a'],
  ['account A GenerateDataKeyWithoutPlaintext (glob)', { ...base, kmsOperation: 'GenerateDataKeyWithoutPlaintext' }, 'allow', 'account-a'],
  ['account A unknown future kmsOperation', { ...base, kmsOperation: 'FutureOperation' }, 'deny', 'default'],
  ['account B key', { ...base, kmsKeyArn: ARN_B }, 'deny', 'default'],
  ['intruder principal, first rule wins over account-a', { ...base, awsPrincipalArn: 'arn:aws:iam::111122223333:role/intruder-x' }, 'deny', 'deny-intruder'],
  ['ebs key via ebs', { ...base, externalKeyId: 'ebs-7', kmsViaService: 'ebs' }, 'allow', 'ebs-only-key'],
  ['ebs key directly: absent kmsViaService never matches', { ...base, externalKeyId: 'ebs-7' }, 'deny', 'deny-ebs-key-otherwise'],
  ['ebs key via rds', { ...base, externalKeyId: 'ebs-7', kmsViaService: 'rds' }, 'deny', 'deny-ebs-key-otherwise'],
  ['vpce-2 in vpc-1', { ...base, kmsKeyArn: ARN_B, awsSourceVpce: 'vpce-2', awsSourceVpc: 'vpc-1' }, 'allow', 'vpce'],
  ['vpce-2 in vpc-10 (? is one char)', { ...base, kmsKeyArn: ARN_B, awsSourceVpce: 'vpce-2', awsSourceVpc: 'vpc-10' }, 'deny', 'default'],
  ['CreateKey metadata (rule without id)', { operation: 'GetKeyMetadata', kmsOperation: 'CreateKey', externalKeyId: 'k', awsPrincipalArn: 'x' }, 'allow', 'rules[5]'],
  ['case-sensitive kmsOperation', { ...base, kmsOperation: 'encrypt' }, 'deny', 'default'],
];

for (const [name, request, decision, rule] of table) {
  test(`authz policy: ${name} -> ${decision} by ${rule}`, () => {
    const d = evaluatePolicy(policy, request);
    assert.equal(d.decision, decision);
    assert.equal(d.rule, rule);
  });
}

test('authz policy: default allow with no rules -> allow by default; empty `when` matches everything', () => {
  assert.deepEqual(evaluatePolicy(parsePolicy({ default: 'allow', rules: [] }), base), { decision: 'allow', rule: 'default', ruleIndex: undefined });
  assert.equal(evaluatePolicy(parsePolicy({ default: 'allow', rules: [{ id: 'all', effect: 'deny' }] }), base).rule, 'all');
});

test('authz policy: invalid documents -> every problem at once', () => {
  try {
    parsePolicy({ default: 'maybe', rules: [{ id: 'a', effect: 'allow', when: { nope: 'x' } }, { id: 'a', effect: 'permit' }, { id: 'bad id!', effect: 'deny' }] });
    assert.fail('expected PolicyError');
  } catch (error) {
    assert.ok(error instanceof PolicyError);
    const text = error.problems.join('\n');
    for (const path of ['default', 'rules.0.when', 'rules.1.effect', 'rules.2.id']) assert.ok(text.includes(path), text);
  }
});

test('authz glob: * spans : and /, regex characters are literal', () => {
  assert.ok(compileGlob('arn:aws:kms:*:key/*').test('arn:aws:kms:us-east-1:1:key/a/b'));
  assert.ok(!compileGlob('a.b').test('axb'));
  assert.ok(compileGlob('a+(b)').test('a+(b)'));
  assert.ok(!compileGlob('vpc-?').test('vpc-'));
});

test('authz glob: many `*` against a long non-matching value -> answered in linear-ish time (no backtracking blow-up)', () => {
  // A policy written in good faith (`*-*-*-*-admin`) against an attacker-shaped 2048-char principal used to block
  // the event loop for minutes: the regex engine tried every way of splitting the value between the stars.
  const glob = compileGlob('arn:aws:iam::*-*-*-*-*-*-*-*-admin');
  const value = `arn:aws:iam::${'-'.repeat(2048)}`;
  // CPU time, not wall time: a busy machine delays this test but cannot make it fail (test/support/cpu-time.ts).
  const { value: answers, ms } = cpuMs(() => [glob.test(value), glob.test(`${value}-admin`)]);
  assert.deepEqual(answers, [false, true]);
  assert.ok(ms < 250, `took ${ms.toFixed(1)} ms of CPU`);
});

test('authz glob: semantics table (`*` any run incl. empty, `?` one code point, literal elsewhere, anchored)', () => {
  const rows: readonly [string, string, boolean][] = [
    ['*', '', true],
    ['*', 'anything/at:all', true],
    ['?', '', false],
    ['?', '\u{1F600}', true],
    ['a*b*c', 'abc', true],
    ['a*b*c', 'aXbYc', true],
    ['a*b*c', 'aXbYcZ', false],
    ['a*b*c', 'acb', false],
    ['*a', 'ba', true],
    ['*a', 'ab', false],
    ['a**b', 'ab', true],
    ['a?c', 'abc', true],
    ['a?c', 'ac', false],
    ['a.c', 'abc', false],
    ['a\\*', 'a\\xyz', true],
    ['[ab]', '[ab]', true],
    ['[ab]', 'a', false],
    ['x', 'x\n', false],
    ['Encrypt', 'encrypt', false],
    ['*:key/*', 'arn:aws:kms:us-east-1:1:key/a/b', true],
    ['ab*ab*ab', 'abababab', true],
    ['ab*ab*ab', 'ababa', false],
  ];
  for (const [pattern, value, expected] of rows) assert.equal(compileGlob(pattern).test(value), expected, `${pattern} vs ${JSON.stringify(value)}`);
});
