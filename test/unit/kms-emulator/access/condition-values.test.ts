/** The condition keys a request supplies: encryption context (key name case-insensitive), caller, ViaService, grants, alias. */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { buildConditionValues } from '../../../../src/kms-emulator/access/condition-values.js';
import { conditionMatches } from '../../../../src/kms-emulator/access/conditions.js';

const caller = { principalArn: 'arn:aws:iam::111122223333:role/app', account: '111122223333' };

test('condition values: encryption context, its keys, caller account and principal', () => {
  const v = buildConditionValues({ caller, region: 'us-east-1', encryptionContext: { Tenant: 'blue' } });
  assert.deepEqual(v('kms:EncryptionContext:Tenant'), ['blue']);
  assert.deepEqual(v('KMS:encryptioncontext:tenant'), ['blue'], 'the context key in the condition key is not case-sensitive');
  assert.equal(v('kms:EncryptionContext:other'), undefined);
  assert.deepEqual(v('kms:EncryptionContextKeys'), ['Tenant']);
  assert.deepEqual(v('kms:CallerAccount'), ['111122223333']);
  assert.deepEqual(v('aws:PrincipalArn'), [caller.principalArn]);
  assert.equal(v('kms:ViaService'), undefined);
  assert.equal(v('kms:GrantIsForAWSResource'), undefined);
  assert.equal(buildConditionValues({ caller, region: 'us-east-1', encryptionContext: {} })('kms:EncryptionContextKeys'), undefined);
});

test('condition values: kms:ViaService from the via-service header; kms:GrantIsForAWSResource on grant operations; kms:RequestAlias', () => {
  const v = buildConditionValues({ caller, region: 'eu-west-1', viaService: 'ec2', grantOperation: true, requestAlias: 'alias/orders' });
  assert.deepEqual(v('kms:ViaService'), ['ec2.eu-west-1.amazonaws.com']);
  assert.deepEqual(v('kms:GrantIsForAWSResource'), ['true']);
  assert.deepEqual(v('kms:RequestAlias'), ['alias/orders']);
  assert.equal(conditionMatches({ operator: 'Bool', key: 'kms:GrantIsForAWSResource', values: ['true'] }, v), true);
  assert.equal(conditionMatches({ operator: 'StringLike', key: 'kms:ViaService', values: ['ec2.*.amazonaws.com'] }, v), true);
  assert.equal(conditionMatches({ operator: 'StringEquals', key: 'kms:RequestAlias', values: ['alias/other'] }, v), false);
  const direct = buildConditionValues({ caller, region: 'eu-west-1', grantOperation: true });
  assert.deepEqual(direct('kms:GrantIsForAWSResource'), ['false']);
  assert.equal(conditionMatches({ operator: 'Bool', key: 'kms:GrantIsForAWSResource', values: ['true'] }, direct), false);
});
