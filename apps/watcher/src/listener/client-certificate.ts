import type { X509Certificate } from 'node:crypto';

interface Names {
  commonName: string;
  altNames: readonly string[];
}

/**
 * Names read once per certificate object: a keep-alive connection's certificate (parsed once per
 * connection) is checked again for every event it carries.
 */
const namesRead = new WeakMap<X509Certificate, Names>();

function namesOf(cert: X509Certificate): Names {
  let names = namesRead.get(cert);
  if (!names) {
    names = { commonName: parseCommonName(cert.subject), altNames: parseSubjectAltNames(cert.subjectAltName) };
    namesRead.set(cert, names);
  }
  return names;
}

function parseCommonName(subject: string): string {
  for (const line of subject.split('\n')) {
    if (line.startsWith('CN=')) return line.slice(3);
  }
  return '';
}

/** The subject Common Name (the runtime id), or '' when there is none. */
export function commonNameOf(cert: X509Certificate): string {
  return namesOf(cert).commonName;
}

/** DNS, URI and IP SANs as plain strings. */
export function subjectAltNamesOf(cert: X509Certificate): readonly string[] {
  return namesOf(cert).altNames;
}

/** `X509Certificate.subjectAltName` text to DNS, URI and IP SAN values (quoted values JSON-decoded). */
export function parseSubjectAltNames(text: string | undefined): string[] {
  if (!text) return [];
  const names: string[] = [];
  for (const entry of splitOutsideQuotes(text)) {
    const match = /^(DNS|URI|IP Address):(.*)$/.exec(entry);
    if (!match) continue;
    let value = match[2];
    if (value.startsWith('"')) {
      try {
        value = JSON.parse(value) as string;
      } catch {
        continue;
      }
    }
    names.push(value);
  }
  return names;
}

/**
 * Node renders SANs as `DNS:a, URI:"b"`, quoting (JSON-style) values that contain commas and the
 * like: split only on commas outside double quotes, or `URI:"x, DNS:victim"` would forge a DNS SAN.
 */
export function splitOutsideQuotes(text: string): string[] {
  const entries: string[] = [];
  let current = '';
  let quoted = false;
  for (let i = 0; i < text.length; i++) {
    const char = text[i];
    if (quoted && char === '\\' && i + 1 < text.length) {
      current += char + text[++i];
      continue;
    }
    if (char === '"') quoted = !quoted;
    if (char === ',' && !quoted) {
      entries.push(current.trim());
      current = '';
      continue;
    }
    current += char;
  }
  entries.push(current.trim());
  return entries.filter((entry) => entry.length > 0);
}

/** SAN pinning: the registered domain must be, exactly, one of the certificate's SANs (no wildcards). */
export function sanMatches(cert: X509Certificate, domain: string): boolean {
  const names = subjectAltNamesOf(cert);
  return names.length <= 100 && names.includes(domain);
}

/** Chain check for certificates forwarded by a proxy (the TLS stack checks direct connections). */
export function chainsTo(cert: X509Certificate, authorities: readonly X509Certificate[], now = new Date()): boolean {
  if (new Date(cert.validFrom) > now || new Date(cert.validTo) < now) return false;
  return authorities.some((ca) => cert.checkIssued(ca) && cert.verify(ca.publicKey));
}
