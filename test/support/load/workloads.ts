/**
 * The requests a benchmark sends, shaped like KMS's: requestMetadata as KMS fills it, Encrypt with a CDIV request.
 * Sizes (issue 10): "6 KB" = 4300 B plaintext + 32 B AAD (KMS's typical request), "17 KB" = 4300 B plaintext +
 * 8192 B AAD (the largest the spec requires). Requests are signed by aws4; a signature stays valid for the 5-minute
 * skew window, so long runs sign again every minute (refresh()).
 */
import { randomBytes } from 'node:crypto';
import { TEST_ACCESS_KEY_ID, TEST_REGION, TEST_SECRET } from '../test-app.js';
import { HttpConnection } from './http-connection.js';
import { buildSignedRequest } from './raw-request.js';

export const OPERATIONS = ['health', 'metadata', 'encrypt-6k', 'decrypt-6k', 'encrypt-17k', 'decrypt-17k'] as const;
export type Operation = (typeof OPERATIONS)[number];

const METADATA = {
  awsPrincipalArn: 'arn:aws:iam::111122223333:role/bench',
  kmsKeyArn: 'arn:aws:kms:us-east-1:111122223333:key/1234abcd-12ab-34cd-56ef-1234567890ab',
  kmsRequestId: '4112f4d6-db54-4af4-ae30-c55a22a8dfae',
  kmsViaService: 'ebs',
};

const PLAINTEXT = randomBytes(4300).toString('base64');
const AAD = { '6k': randomBytes(32).toString('base64'), '17k': randomBytes(8192).toString('base64') };

function encryptBody(size: '6k' | '17k'): string {
  return JSON.stringify({
    requestMetadata: { ...METADATA, kmsOperation: 'Encrypt' },
    plaintext: PLAINTEXT,
    additionalAuthenticatedData: AAD[size],
    encryptionAlgorithm: 'AES_GCM',
    ciphertextDataIntegrityValueAlgorithm: 'SHA_256',
  });
}

function sign(path: string, body: string): Buffer {
  return buildSignedRequest({ path, body, accessKeyId: TEST_ACCESS_KEY_ID, secret: TEST_SECRET, region: TEST_REGION });
}

export interface Workload {
  readonly operation: Operation;
  /** The signed request bytes (same for every send until refresh). */
  bytes(): Buffer;
  /** Sign again (call at least every few minutes). */
  refresh(): void;
  readonly bodyBytes: number;
}

/** Build the workload against a server (Decrypt needs a ciphertext that server produced under the bench key). */
export async function createWorkload(operation: Operation, port: number, keyId: string): Promise<Workload> {
  const keyPath = `/kms/xks/v1/keys/${keyId}`;
  let path: string;
  let body: string;
  if (operation === 'health') {
    path = '/kms/xks/v1/health';
    body = JSON.stringify({ requestMetadata: { kmsRequestId: METADATA.kmsRequestId, kmsOperation: 'KmsHealthCheck' } });
  } else if (operation === 'metadata') {
    path = `${keyPath}/metadata`;
    body = JSON.stringify({ requestMetadata: { awsPrincipalArn: METADATA.awsPrincipalArn, kmsOperation: 'CreateKey', kmsRequestId: METADATA.kmsRequestId } });
  } else {
    const size = operation.endsWith('17k') ? '17k' : '6k';
    if (operation.startsWith('encrypt')) {
      path = `${keyPath}/encrypt`;
      body = encryptBody(size);
    } else {
      const connection = new HttpConnection(port);
      const encrypted = await connection.request(sign(`${keyPath}/encrypt`, encryptBody(size)));
      connection.close();
      if (encrypted.status !== 200) throw new Error(`encrypt for the decrypt workload failed: ${encrypted.status} ${encrypted.body.toString()}`);
      const out = JSON.parse(encrypted.body.toString()) as Record<string, string>;
      path = `${keyPath}/decrypt`;
      body = JSON.stringify({
        requestMetadata: { ...METADATA, kmsOperation: 'Decrypt' },
        ciphertext: out.ciphertext,
        ciphertextMetadata: out.ciphertextMetadata,
        initializationVector: out.initializationVector,
        authenticationTag: out.authenticationTag,
        additionalAuthenticatedData: AAD[size],
        encryptionAlgorithm: 'AES_GCM',
      });
    }
  }
  let bytes = sign(path, body);
  return {
    operation,
    bytes: () => bytes,
    refresh: () => (bytes = sign(path, body)),
    bodyBytes: Buffer.byteLength(body),
  };
}
