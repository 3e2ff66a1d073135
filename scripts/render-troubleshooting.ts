/** `npm run docs:troubleshooting`: regenerate the guide section of docs/troubleshooting.md from src/kms-emulator/troubleshooting/troubleshooting.ts. */
import { readFileSync, writeFileSync } from 'node:fs';
import { replaceGeneratedSection } from '../src/kms-emulator/troubleshooting/troubleshooting-markdown.js';

const page = new URL('../docs/troubleshooting.md', import.meta.url);
writeFileSync(page, replaceGeneratedSection(readFileSync(page, 'utf8')));
process.stdout.write('docs/troubleshooting.md: generated section rewritten\n');
