import { compileBounded, MAX_PATTERN_PROGRAM, PatternRefused } from './bounded-regex.js';

describe('compileBounded', () => {
  it('compiles RE2 patterns and finds them anywhere in the text', () => {
    const sut = compileBounded('^Config of [a-z]+');
    expect(sut.find('Config of thermostat changed')).toBe(true);
    expect(sut.find('The Config of thermostat')).toBe(false);
    expect(compileBounded('thermo').find('Config of thermostat')).toBe(true);
    expect(sut.programSize).toBeGreaterThan(0);
    expect(sut.programSize).toBeLessThanOrEqual(MAX_PATTERN_PROGRAM);
  });

  it('refuses what RE2 cannot run in linear time, naming the pattern', () => {
    for (const pattern of ['(a)\\1', '(?=PUT)', '(?<!x)y', '(unclosed']) {
      expect(() => compileBounded(pattern)).toThrow(PatternRefused);
      expect(() => compileBounded(pattern)).toThrow(JSON.stringify(pattern));
    }
  });

  it('refuses counted repetitions that compile into a large program', () => {
    expect(() => compileBounded('x{1000}')).toThrow(/compiles to \d+ RE2 instructions, more than 100/);
    expect(() => compileBounded('(?:ab){50}')).toThrow(PatternRefused);
    expect(compileBounded('[0-9]{1,3}(?:\\.[0-9]{1,3}){3}').find('host 10.0.0.1 down')).toBe(true);
  });

  it('takes the limit as given', () => {
    expect(compileBounded('x{150}', 200).programSize).toBeGreaterThan(MAX_PATTERN_PROGRAM);
    expect(() => compileBounded('x{150}')).toThrow(PatternRefused);
  });
});
