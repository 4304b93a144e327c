/** Upper bound for the header; Kyma's listener refuses more than 32 KiB too. */
export const MAX_XFCC_LENGTH = 32 * 1024;

export type XfccElement = Record<string, string>;

/**
 * Parses Envoy's `X-Forwarded-Client-Cert`: elements separated by `,`, `key=value` pairs separated
 * by `;`, values optionally double-quoted (quotes may contain `,` `;` and `\"`). Keys are
 * case-insensitive and returned lower-cased.
 */
export function parseXfcc(header: string): XfccElement[] {
  const elements: XfccElement[] = [];
  let element: XfccElement = {};
  let key = '';
  let value = '';
  let inKey = true;
  let quoted = false;
  const endPair = () => {
    const k = key.trim().toLowerCase();
    if (k) element[k] = value;
    key = '';
    value = '';
    inKey = true;
  };
  for (let i = 0; i < header.length; i++) {
    const c = header[i];
    if (quoted) {
      if (c === '\\' && i + 1 < header.length) value += header[++i];
      else if (c === '"') quoted = false;
      else value += c;
    } else if (c === '"' && !inKey) {
      quoted = true;
    } else if (c === '=' && inKey) {
      inKey = false;
    } else if (c === ';') {
      endPair();
    } else if (c === ',') {
      endPair();
      elements.push(element);
      element = {};
    } else if (inKey) {
      key += c;
    } else {
      value += c;
    }
  }
  if (quoted) throw new Error('unterminated quoted value');
  endPair();
  elements.push(element);
  return elements.filter((e) => Object.keys(e).length > 0);
}

/**
 * The client certificate PEM a trusted proxy forwarded. Exactly one element is accepted: the
 * proxy must sanitise the header (Envoy `SANITIZE_SET`), so several elements mean a misconfiguration.
 */
export function certificateFromXfcc(header: string): string {
  if (header.length > MAX_XFCC_LENGTH) throw new Error('X-Forwarded-Client-Cert is too long');
  const elements = parseXfcc(header);
  if (elements.length !== 1) throw new Error(`X-Forwarded-Client-Cert must carry exactly one element, got ${elements.length}`);
  const cert = elements[0].cert;
  if (!cert) throw new Error('X-Forwarded-Client-Cert has no Cert field');
  let pem: string;
  try {
    pem = decodeURIComponent(cert);
  } catch {
    throw new Error('X-Forwarded-Client-Cert Cert field is not URL-encoded');
  }
  if (!pem.includes('-----BEGIN CERTIFICATE-----')) throw new Error('X-Forwarded-Client-Cert Cert field is not a PEM certificate');
  return pem;
}

/** Builds a header the way Envoy does (used by the sender CLI and tests). */
export function formatXfcc(certificatePem: string, extra: { hash?: string; subject?: string; dns?: string[] } = {}): string {
  const parts = [`Hash=${extra.hash ?? ''}`, `Cert="${encodeURIComponent(certificatePem)}"`];
  if (extra.subject) parts.push(`Subject="${extra.subject.replace(/"/g, '\\"')}"`);
  for (const dns of extra.dns ?? []) parts.push(`DNS=${dns}`);
  return parts.join(';');
}
