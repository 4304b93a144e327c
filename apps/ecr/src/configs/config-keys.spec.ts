import { parseAppVersionName, requireConfigName, requireEndpointId } from './config-keys.js';

describe('config keys', () => {
  it('splits an app version name at its last "-"', () => {
    expect(parseAppVersionName('smart-kettle-v1')).toEqual({ appVersionName: 'smart-kettle-v1', appName: 'smart-kettle', nameSuffix: 'v1' });
    expect(parseAppVersionName('kettle')).toBeUndefined();
    expect(parseAppVersionName('Kettle-v1')).toBeUndefined();
    expect(parseAppVersionName('kettle-v_1')).toBeUndefined();
  });

  it('defaults the config name to "default" and refuses odd names', () => {
    expect(requireConfigName(undefined)).toBe('default');
    expect(requireConfigName('')).toBe('default');
    expect(requireConfigName('wifi_2')).toBe('wifi_2');
    expect(() => requireConfigName('a.b')).toThrow('invalid configuration name');
  });

  it('refuses empty, overlong and NUL-holding endpoint ids', () => {
    expect(requireEndpointId('ep-1')).toBe('ep-1');
    expect(() => requireEndpointId('')).toThrow('invalid endpoint id');
    expect(() => requireEndpointId('x'.repeat(257))).toThrow('invalid endpoint id');
    expect(() => requireEndpointId('a\u0000b')).toThrow('invalid endpoint id');
  });
});
