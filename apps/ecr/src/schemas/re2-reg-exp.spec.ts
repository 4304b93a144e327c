import { RE2JS } from 're2js';
import { MAX_PATTERN_WORK, MAX_SCHEMA_PATTERN_PROGRAM, PatternBudget, PatternWorkExceeded, re2RegExp, SchemaPatternRefused } from './re2-reg-exp.js';

describe('re2RegExp', () => {
  it('compiles RE2 patterns that ajv tests for a match anywhere in the string', () => {
    const sut = re2RegExp(new PatternBudget());
    expect(sut('^[a-z]+$', 'u').test('kettle')).toBe(true);
    expect(sut('^[a-z]+$', 'u').test('Kettle')).toBe(false);
    expect(sut('tle', 'u').test('kettle')).toBe(true);
    expect(sut('^\\p{L}+$', 'u').test('Kässel')).toBe(true);
    expect(String(sut('^x$', 'u'))).toBe('^x$');
  });

  it('refuses backreferences, lookarounds and oversized programs', () => {
    const sut = re2RegExp(new PatternBudget());
    for (const pattern of ['(a)\\1', '(?=a)', '(?<=a)b', '(?:x{999}|y{999})']) {
      expect(() => sut(pattern, 'u')).toThrow(SchemaPatternRefused);
    }
    expect(() => sut('(?:x{999}|y{999})', 'u')).toThrow(`more than ${MAX_SCHEMA_PATTERN_PROGRAM}`);
  });

  it('charges program size × characters to the budget, until it is spent', () => {
    const budget = new PatternBudget();
    const sut = re2RegExp(budget)('^.{196}$', 'u');
    const text = 'a'.repeat(196);
    const fits = Math.floor(MAX_PATTERN_WORK / (RE2JS.compile('^.{196}$').programSize() * (text.length + 1)));
    expect(fits).toBeGreaterThan(1);
    for (let i = 0; i < fits; i++) expect(sut.test(text)).toBe(true);
    expect(() => sut.test(text)).toThrow(PatternWorkExceeded);
    budget.reset();
    expect(sut.test(text)).toBe(true);
  });
});
