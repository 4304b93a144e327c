import { DomainError } from '@kaa/server';

/** `ETag` of a config: its id, as an HTTP entity tag. */
export const etagOf = (configId: string) => `"${configId}"`;

/** Entity tags of an `If-Match`/`If-None-Match` header, quotes and `W/` removed; `*` as is. */
export function parseEntityTags(header: string | undefined): string[] | '*' | undefined {
  if (header === undefined) return undefined;
  const trimmed = header.trim();
  if (trimmed === '') return undefined;
  if (trimmed === '*') return '*';
  return trimmed
    .split(',')
    .map((tag) => tag.trim().replace(/^W\//, ''))
    .map((tag) => (tag.length >= 2 && tag.startsWith('"') && tag.endsWith('"') ? tag.slice(1, -1) : tag))
    .filter((tag) => tag.length > 0);
}

/** `If-Match` with another id (or on nothing stored): 412 and nothing changes. */
export function checkIfMatch(header: string | undefined, currentId: string | undefined): void {
  const tags = parseEntityTags(header);
  if (tags === undefined) return;
  if (currentId === undefined) throw new DomainError('PRECONDITION_FAILED', 'If-Match given but no configuration is stored');
  if (tags !== '*' && !tags.includes(currentId)) {
    throw new DomainError('PRECONDITION_FAILED', `If-Match does not name the current configuration ${currentId}`);
  }
}

/** `If-None-Match` naming the current id: the caller's copy is current (304). */
export function matchesIfNoneMatch(header: string | undefined, currentId: string): boolean {
  const tags = parseEntityTags(header);
  if (tags === undefined) return false;
  return tags === '*' || tags.includes(currentId);
}
