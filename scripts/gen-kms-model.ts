/** `npm run gen:kms-model`: regenerate src/kms-emulator/wire/kms-model.ts from the installed @aws-sdk/client-kms. */
import { writeFileSync } from 'node:fs';
import { installedSdk, renderKmsModel } from './kms-model/render-kms-model.js';

const sdk = installedSdk();
writeFileSync(new URL('../src/kms-emulator/wire/kms-model.ts', import.meta.url), renderKmsModel(sdk.dir, sdk.version));
process.stdout.write(`src/kms-emulator/wire/kms-model.ts: generated from @aws-sdk/client-kms ${sdk.version}\n`);
