/** Key policy evaluation: Effect, Principal (account root = IAM decides), Action wildcards, NotAction, Resource, conditions, Deny over Allow. */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { accessDeniedMessage, decideAccess, describeDecision, type AccessQuery } from '../../../../src/kms-emulator/access/decide-access.js';
import { readPolicyStatements } from '../../../../src/kms-emulator/access/policy-document.js';

const KEY = 'arn:aws:kms:us-east-1:111122223333:key/1234abcd-12ab-34cd-56ef-1234567890ab';
const APP = 'arn:aws:iam::111122223333:role/app';
const OPS = 'arn:aws:iam::111122223333:user/ops';
const root = { Sid: 'Enable IAM User Permissions', Effect: 'Allow', Principal: { AWS: 'arn:aws:iam::111122223333:root' }, Action: 'kms:*', Resource: '*' };

function query(policy: object, over: Partial<AccessQuery> & { context?: Record<string, string> } = {}): AccessQuery {
  const context = over.context;
  return {
    action: 'kms:Encrypt',
    keyArn: KEY,
    caller: { principalArn: APP, account: '111122223333' },
    keyPolicy: readPolicyStatements(JSON.stringify(policy)),
    iamPolicy: undefined,
    grants: () => [],
    encryptionContext: context,
    values: (k) => {
      const lower = k.toLowerCase();
      if (lower.startsWith('kms:encryptioncontext:')) {
        const v = context?.[k.slice('kms:encryptioncontext:'.length)];
        return v === undefined ? undefined : [v];
      }
      if (lower === 'kms:encryptioncontextkeys') return context === undefined ? undefined : Object.keys(context);
      if (lower === 'kms:calleraccount') return ['111122223333'];
      return undefined;
    },
    ...over,
  };
}

const doc = (...Statement: object[]) => ({ Version: '2012-10-17', Statement });

test('default key policy (account root): IAM decides; without an IAM policy the caller is allowed', () => {
  const d = decideAccess(query(doc(root)));
  assert.equal(d.allowed, true);
  assert.equal(d.decidedBy.kind, 'iam-policy');
  assert.match(describeDecision(d), /lets IAM decide/);
});

test('explicit Deny on Encrypt for one principal refuses it and not another; Deny beats Allow', () => {
  const p = doc(root, { Sid: 'NoEncryptForApp', Effect: 'Deny', Principal: { AWS: APP }, Action: 'kms:Encrypt', Resource: '*' });
  const app = decideAccess(query(p));
  assert.deepEqual([app.allowed, app.explicitDeny, app.decidedBy], [false, true, { kind: 'key-policy', statement: 2, sid: 'NoEncryptForApp' }]);
  assert.equal(
    accessDeniedMessage(query(p), app),
    `User: ${APP} is not authorized to perform: kms:Encrypt on resource: ${KEY} with an explicit deny in a resource-based policy`,
  );
  assert.equal(decideAccess(query(p, { caller: { principalArn: OPS, account: '111122223333' } })).allowed, true);
  assert.equal(decideAccess(query(p, { action: 'kms:Decrypt' })).allowed, true);
});

test('no statement for the caller: default deny, "no resource-based policy allows"', () => {
  const p = doc({ Effect: 'Allow', Principal: { AWS: OPS }, Action: 'kms:*', Resource: '*' });
  const q = query(p);
  const d = decideAccess(q);
  assert.equal(d.allowed, false);
  assert.equal(d.explicitDeny, false);
  assert.equal(accessDeniedMessage(q, d), `User: ${APP} is not authorized to perform: kms:Encrypt on resource: ${KEY} because no resource-based policy allows the kms:Encrypt action`);
});

test('Action wildcards (case-insensitive), NotAction, Resource', () => {
  const allow = (s: object, action = 'kms:Encrypt') => decideAccess(query(doc({ Effect: 'Allow', Principal: { AWS: APP }, Resource: '*', ...s }), { action })).allowed;
  assert.equal(allow({ Action: 'kms:Encrypt*' }), true);
  assert.equal(allow({ Action: 'KMS:encrypt' }), true);
  assert.equal(allow({ Action: 'kms:Generate*' }), false);
  assert.equal(allow({ Action: ['kms:Re*', 'kms:?ncrypt'] }), true);
  assert.equal(allow({ NotAction: 'kms:Decrypt' }), true);
  assert.equal(allow({ NotAction: 'kms:Decrypt' }, 'kms:Decrypt'), false);
  assert.equal(allow({ Action: 'kms:*', Resource: 'arn:aws:kms:us-east-1:111122223333:key/*' }), true);
  assert.equal(allow({ Action: 'kms:*', Resource: 'arn:aws:kms:eu-west-1:111122223333:key/*' }), false);
});

test('Principal "*" and {"AWS": "*"} name everyone; a role ARN names its assumed-role sessions', () => {
  const p = (principal: unknown) => doc({ Effect: 'Allow', Principal: principal, Action: 'kms:Encrypt', Resource: '*' });
  assert.equal(decideAccess(query(p('*'))).allowed, true);
  assert.equal(decideAccess(query(p({ AWS: '*' }))).allowed, true);
  const session = { principalArn: 'arn:aws:sts::111122223333:assumed-role/app/s1', account: '111122223333' };
  assert.equal(decideAccess(query(p({ AWS: APP }), { caller: session })).allowed, true);
  assert.equal(decideAccess(query(p({ AWS: 'arn:aws:iam::111122223333:role/other' }), { caller: session })).allowed, false);
});

test('kms:EncryptionContext condition: only matching requests are allowed (StringEquals, StringLike, Null, ForAllValues)', () => {
  const p = (Condition: object) => doc({ Effect: 'Allow', Principal: { AWS: APP }, Action: 'kms:Encrypt', Resource: '*', Condition });
  const eq = p({ StringEquals: { 'kms:EncryptionContext:tenant': 'blue' } });
  assert.equal(decideAccess(query(eq, { context: { tenant: 'blue' } })).allowed, true);
  assert.equal(decideAccess(query(eq, { context: { tenant: 'red' } })).allowed, false);
  assert.equal(decideAccess(query(eq, { context: {} })).allowed, false);
  assert.equal(decideAccess(query(p({ StringLike: { 'kms:EncryptionContext:tenant': 'b*' } }), { context: { tenant: 'blue' } })).allowed, true);
  assert.equal(decideAccess(query(p({ Null: { 'kms:EncryptionContextKeys': 'false' } }), { context: {} })).allowed, false);
  assert.equal(decideAccess(query(p({ Null: { 'kms:EncryptionContextKeys': 'false' } }), { context: { a: '1' } })).allowed, true);
  const only = p({ 'ForAllValues:StringEquals': { 'kms:EncryptionContextKeys': ['tenant', 'order'] } });
  assert.equal(decideAccess(query(only, { context: { tenant: 'x' } })).allowed, true);
  assert.equal(decideAccess(query(only, { context: { tenant: 'x', other: 'y' } })).allowed, false);
  const any = p({ 'ForAnyValue:StringEquals': { 'kms:EncryptionContextKeys': 'tenant' } });
  assert.equal(decideAccess(query(any, { context: { order: '1' } })).allowed, false);
  assert.equal(decideAccess(query(any, { context: { order: '1', tenant: 't' } })).allowed, true);
  assert.equal(decideAccess(query(p({ StringEquals: { 'kms:CallerAccount': '111122223333' } }))).allowed, true);
  assert.equal(decideAccess(query(p({ StringEquals: { 'kms:CallerAccount': '444455556666' } }))).allowed, false);
  assert.equal(decideAccess(query(p({ StringNotEquals: { 'kms:ViaService': 'ec2.us-east-1.amazonaws.com' } }))).allowed, true, 'negated operator on an absent key matches');
  assert.equal(decideAccess(query(p({ StringEqualsIfExists: { 'kms:ViaService': 'ec2.us-east-1.amazonaws.com' } }))).allowed, true);
  assert.equal(decideAccess(query(p({ NoSuchOperator: { 'kms:ViaService': 'x' } }))).allowed, false);
});

test('IAM decides: an identity IAM policy that allows, that says nothing, that denies', () => {
  const iam = (Statement: object[]) => readPolicyStatements(JSON.stringify({ Statement }));
  const yes = decideAccess(query(doc(root), { iamPolicy: iam([{ Effect: 'Allow', Action: 'kms:Encrypt', Resource: '*' }]) }));
  assert.deepEqual([yes.allowed, yes.decidedBy.kind], [true, 'iam-policy']);
  const q = query(doc(root), { iamPolicy: iam([{ Effect: 'Allow', Action: 'kms:Decrypt', Resource: '*' }]) });
  const none = decideAccess(q);
  assert.equal(none.allowed, false);
  assert.match(accessDeniedMessage(q, none), /because no identity-based policy allows the kms:Encrypt action$/);
  const qd = query(doc(root), { iamPolicy: iam([{ Effect: 'Deny', Action: 'kms:*', Resource: '*' }]) });
  const deny = decideAccess(qd);
  assert.deepEqual([deny.allowed, deny.explicitDeny], [false, true]);
  assert.match(accessDeniedMessage(qd, deny), /with an explicit deny in an identity-based policy$/);
});

test('grants: a grant allows its operations to its grantee, within its constraints; a key policy Deny still wins', () => {
  const p = doc({ Effect: 'Allow', Principal: { AWS: OPS }, Action: 'kms:*', Resource: '*' });
  const grant = { grantId: 'g1', granteePrincipal: APP, operations: ['Decrypt'], constraints: { EncryptionContextSubset: { tenant: 'blue' } } };
  const q = (context: Record<string, string>, action = 'kms:Decrypt') => query(p, { action, grants: () => [grant], context });
  assert.deepEqual(decideAccess(q({ tenant: 'blue', extra: '1' })).decidedBy, { kind: 'grant', grantId: 'g1', name: undefined });
  assert.equal(decideAccess(q({ tenant: 'red' })).allowed, false);
  assert.equal(decideAccess(q({ tenant: 'blue' }, 'kms:Encrypt')).allowed, false);
  const equals = { ...grant, constraints: { EncryptionContextEquals: { tenant: 'blue' } } };
  assert.equal(decideAccess(query(p, { action: 'kms:Decrypt', grants: () => [equals], context: { tenant: 'blue' } })).allowed, true);
  assert.equal(decideAccess(query(p, { action: 'kms:Decrypt', grants: () => [equals], context: { tenant: 'blue', extra: '1' } })).allowed, false);
  const denied = doc({ Effect: 'Deny', Principal: '*', Action: 'kms:Decrypt', Resource: '*' });
  assert.equal(decideAccess(query(denied, { action: 'kms:Decrypt', grants: () => [grant], context: { tenant: 'blue' } })).allowed, false);
});
