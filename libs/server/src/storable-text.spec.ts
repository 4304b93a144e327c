import { jsonDepthExceeds } from './input-guard.js';
import { describeUnstorable, findUnstorableText } from './storable-text.js';

describe('findUnstorableText', () => {
  it('finds a NUL in a nested string and names its JSON pointer', () => {
    const sut = findUnstorableText({ a: [{ 'b/c': 'x\u0000y' }] });
    expect(sut).toEqual({ pointer: '/a/0/b~1c', problem: 'a NUL character', inKey: false });
    expect(describeUnstorable(sut!, 'request body')).toBe('request body at /a/0/b~1c: contains a NUL character, which cannot be stored');
  });

  it('finds an unpaired surrogate in a key', () => {
    expect(findUnstorableText({ ok: 1, ['k\ud800']: 1 }, '/params')).toEqual({ pointer: '/params/k\ud800', problem: 'an unpaired surrogate', inKey: true });
  });

  it.each([['high alone', '\ud800'], ['low alone', '\udc00'], ['reversed', '\udc00\ud800']])('finds a %s surrogate', (_, text) => {
    expect(findUnstorableText(text)?.problem).toBe('an unpaired surrogate');
  });

  it('accepts proper pairs, emoji and everything else', () => {
    expect(findUnstorableText({ emoji: '😀 \ud83d\ude00', n: 1, t: true, z: null, list: ['ä', '\u0001'] })).toBeUndefined();
  });

  it('walks very deep values without overflowing the stack', () => {
    let deep: unknown = 'bad\u0000';
    for (let i = 0; i < 100_000; i++) deep = [deep];
    expect(findUnstorableText(deep)?.problem).toBe('a NUL character');
  });
});

describe('jsonDepthExceeds', () => {
  it('counts nesting of arrays and objects', () => {
    expect(jsonDepthExceeds('[[[]]]', 3)).toBe(false);
    expect(jsonDepthExceeds('[[[[]]]]', 3)).toBe(true);
    expect(jsonDepthExceeds('{"a":{"b":[{}]}}', 4)).toBe(false);
    expect(jsonDepthExceeds('{"a":{"b":[{"c":[]}]}}', 4)).toBe(true);
  });

  it('does not count brackets inside strings, escaped quotes included', () => {
    expect(jsonDepthExceeds('["[[[[\\"[[[[", "{{{{"]', 1)).toBe(false);
  });

  it('is not fooled by closing more than it opens', () => {
    expect(jsonDepthExceeds(']]]]][[', 1)).toBe(true);
  });
});
