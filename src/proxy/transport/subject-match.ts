import type { PeerCertificate } from 'node:tls';

/**
 * spec A13: the client subject names an mTLS listener accepts. A pattern is a DNS name in which `*` stands for
 * exactly one label (`cks.kms.*.amazonaws.com` covers every region, never `a.b` in one label). Case-insensitive.
 */
export function compileSubjectPatterns(patterns: readonly string[]): (name: string) => boolean {
  const res = patterns.map(
    (p) =>
      new RegExp(
        `^${p
          .split('.')
          .map((label) => (label === '*' ? '[A-Za-z0-9_-]+' : label.replace(/[-]/g, '\\-')))
          .join('\\.')}$`,
        'i',
      ),
  );
  return (name) => res.some((re) => re.test(name));
}

/** The names a client certificate claims: its subject CN and SAN DNS names. */
export function certificateNames(cert: Pick<PeerCertificate, 'subject' | 'subjectaltname'>): string[] {
  const names: string[] = [];
  const cn = cert.subject?.CN;
  if (typeof cn === 'string') names.push(cn);
  else if (Array.isArray(cn)) names.push(...(cn as string[]));
  for (const entry of (cert.subjectaltname ?? '').split(',')) {
    const m = /^\s*DNS:(.+)$/.exec(entry);
    if (m?.[1] !== undefined) names.push(m[1].trim());
  }
  return names;
}
