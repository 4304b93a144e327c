import { DomainError } from '@kaa/server';
import { checkIfMatch, etagOf, matchesIfNoneMatch, parseEntityTags } from './etag.js';

describe('entity tags', () => {
  it('quotes the config id', () => {
    expect(etagOf('abc')).toBe('"abc"');
  });

  it('reads quoted, weak, bare and listed tags', () => {
    expect(parseEntityTags('"a", W/"b", c')).toEqual(['a', 'b', 'c']);
    expect(parseEntityTags(' * ')).toBe('*');
    expect(parseEntityTags('')).toBeUndefined();
    expect(parseEntityTags(undefined)).toBeUndefined();
  });

  it('If-Match passes on the current id, bare or quoted, and on *', () => {
    expect(() => checkIfMatch('"id1"', 'id1')).not.toThrow();
    expect(() => checkIfMatch('id1', 'id1')).not.toThrow();
    expect(() => checkIfMatch('*', 'id1')).not.toThrow();
    expect(() => checkIfMatch(undefined, undefined)).not.toThrow();
  });

  it('If-Match fails with 412 on another id or when nothing is stored', () => {
    for (const [header, current] of [['"id2"', 'id1'], ['*', undefined], ['id1', undefined]] as const) {
      let error: unknown;
      try {
        checkIfMatch(header, current);
      } catch (e) {
        error = e;
      }
      expect(error).toBeInstanceOf(DomainError);
      expect((error as DomainError).code).toBe('PRECONDITION_FAILED');
    }
  });

  it('If-None-Match matches the current id only', () => {
    expect(matchesIfNoneMatch('"id1"', 'id1')).toBe(true);
    expect(matchesIfNoneMatch('id2, "id1"', 'id1')).toBe(true);
    expect(matchesIfNoneMatch('"id2"', 'id1')).toBe(false);
    expect(matchesIfNoneMatch(undefined, 'id1')).toBe(false);
  });
});
