/** Renders the troubleshooting guide (troubleshooting.ts) as the generated section of docs/troubleshooting.md. */
import { OUTCOME_MAPPING, OUTCOME_ROWS } from '../custom-key-stores/proxy-outcome-mapping.js';
import type { ConnectionErrorCode } from '../store/records.js';
import { XKS_CONNECTION_ERROR_CODES } from '../store/records.js';
import { CONNECTION_ERROR_HELP } from '../custom-key-stores/connection-error-help.js';
import { CONNECTION_ERROR_CONFIRM, KMS_EXCEPTION_GUIDE, type TroubleshootingEntry } from './troubleshooting.js';

export const GENERATED_START = '<!-- generated from src/kms-emulator/troubleshooting/troubleshooting.ts by `npm run docs:troubleshooting`: edit the source, not this section -->';
export const GENERATED_END = '<!-- end of the generated section -->';

/** The proxy outcomes the emulator maps to a code (the rows of proxy-outcome-mapping.ts), in words. */
function outcomesFor(code: ConnectionErrorCode): string[] {
  return OUTCOME_ROWS.filter((row) => OUTCOME_MAPPING[row].connectionErrorCode === code).map((row) => `\`${row}\``);
}

function section(title: string, entry: TroubleshootingEntry, extra: readonly string[]): string[] {
  const list = (items: readonly string[]) => items.map((i) => `- ${i}`);
  return [
    `### ${title}`,
    '',
    `**Means:** ${entry.meaning}`,
    '',
    ...extra,
    ...(entry.seeAlso === undefined ? [] : [`**See also:** [${entry.seeAlso}](#${entry.seeAlso.toLowerCase()}).`, '']),
    '**Likely causes:**',
    '',
    ...list(entry.causes),
    '',
    '**How to confirm:**',
    '',
    ...list(entry.confirm),
    '',
    '**Fix:**',
    '',
    ...list(entry.fix),
    '',
  ];
}

export function renderTroubleshootingGuide(): string {
  const lines: string[] = [GENERATED_START, '', '## How to confirm each ConnectionErrorCode', ''];
  lines.push('What each code means, its causes and its fix are in [the table above](#connectionerrorcode-meaning-likely-causes-fix); here is how to tell the causes apart.', '');
  for (const code of XKS_CONNECTION_ERROR_CODES) {
    const outcomes = outcomesFor(code);
    lines.push(`### ${code}`, '', `**Means:** ${CONNECTION_ERROR_HELP[code].meaning}`, '');
    if (outcomes.length > 0) {
      lines.push(`**Proxy outcomes the emulator maps to it** ([the table](kms-emulator.md#connectionerrorcode-mapping-connect-and-the-exceptions-of-createupdate-and-createkey)): ${outcomes.join(', ')}.`, '');
    }
    lines.push('**How to confirm:**', '', ...CONNECTION_ERROR_CONFIRM[code].map((c) => `- ${c}`), '');
  }
  lines.push('## KMS exceptions', '', 'What the AWS CLI prints as `An error occurred (<Exception>) when calling the <Operation> operation: <message>` (spec B8).', '');
  lines.push('| Exception | Means |', '|---|---|');
  const names = Object.keys(KMS_EXCEPTION_GUIDE) as (keyof typeof KMS_EXCEPTION_GUIDE)[];
  for (const name of names) lines.push(`| [${name}](#${name.toLowerCase()}) | ${KMS_EXCEPTION_GUIDE[name].meaning} |`);
  lines.push('');
  for (const name of names) lines.push(...section(name, KMS_EXCEPTION_GUIDE[name], []));
  lines.push(GENERATED_END);
  return lines.join('\n');
}

/** Replace the generated section of a page (between the two markers) with a fresh rendering. */
export function replaceGeneratedSection(page: string, rendered: string = renderTroubleshootingGuide()): string {
  const start = page.indexOf(GENERATED_START);
  const end = page.indexOf(GENERATED_END);
  if (start < 0 || end < start) throw new Error('the page has no generated troubleshooting section (markers missing)');
  return `${page.slice(0, start)}${rendered}${page.slice(end + GENERATED_END.length)}`;
}
