import { APP_NAME_PATTERN, generateAppName, nameKey, versionName } from './names.js';

describe('application names', () => {
  it('treats "-" and "_" as the same character for uniqueness', () => {
    expect(nameKey('smart_kettle-x')).toBe(nameKey('smart-kettle_x'));
    expect(nameKey('smart-kettle')).not.toBe(nameKey('smartkettle'));
  });

  it('generates 20 lower-case alphanumeric characters that pass the name rule', () => {
    const names = new Set(Array.from({ length: 50 }, () => generateAppName()));
    expect(names.size).toBe(50);
    for (const name of names) {
      expect(name).toMatch(/^[a-z0-9]{20}$/);
      expect(name).toMatch(APP_NAME_PATTERN);
    }
  });

  it('names a version {app}-{suffix}', () => {
    expect(versionName('smart-kettle', 'v1')).toBe('smart-kettle-v1');
  });
});
