/** Rewrite the ConnectionErrorCode table of docs/troubleshooting.md from src/kms-emulator/custom-key-stores/connection-error-help.ts. */
import { readFileSync, writeFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { buildConnectionErrorHelpTable, CONNECTION_ERROR_HELP_MARKERS, replaceBetweenMarkers } from '../src/kms-emulator/custom-key-stores/connection-error-help.js';

const file = resolve(import.meta.dirname, '..', 'docs', 'troubleshooting.md');
writeFileSync(file, replaceBetweenMarkers(readFileSync(file, 'utf8'), CONNECTION_ERROR_HELP_MARKERS, buildConnectionErrorHelpTable()));
