export const MASK = '***';

/**
 * Replaces every occurrence of the given secrets (raw and URL-encoded) with `***`, and the path
 * and query of any URL (they often carry tokens, e.g. Slack webhook URLs). Used on everything a
 * delivery stores or logs.
 */
export function maskSecrets(text: string, secrets: readonly (string | null | undefined)[] = []): string {
  let out = text;
  for (const secret of secrets) {
    if (!secret || secret.length < 4) continue;
    for (const form of new Set([secret, encodeURIComponent(secret)])) out = out.split(form).join(MASK);
  }
  return out.replace(/\b(https?:\/\/[^\s/"'?#]+)[/?#][^\s"']*/gi, (_m, origin: string) => `${origin}/${MASK}`);
}

/** What may be shown of a URL: its origin only. */
export function displayUrl(address: string): string {
  try {
    const url = new URL(address);
    return url.pathname === '/' && !url.search ? url.origin : `${url.origin}/${MASK}`;
  } catch {
    return MASK;
  }
}
