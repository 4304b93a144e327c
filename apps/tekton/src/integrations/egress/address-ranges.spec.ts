import { parseIp, refusedRange } from './address-ranges.js';

/** The range an address is refused for, as a URL host normalizes it (WHATWG URL parsing). */
const rangeOfUrl = (url: string) => {
  const ip = parseIp(new URL(url).hostname);
  if (!ip) throw new Error(`${url} has no IP literal host`);
  return refusedRange(ip);
};

describe('refusedRange', () => {
  it.each([
    ['http://127.0.0.2:8080/', 'loopback'],
    ['http://[::1]/', 'loopback'],
    ['http://10.1.2.3/', 'private'],
    ['http://172.16.0.1/', 'private'],
    ['http://192.168.1.1/', 'private'],
    ['http://169.254.169.254/latest/meta-data', 'link-local'],
    ['http://[fe80::1]/', 'link-local'],
    ['http://[fc00::1]/', 'unique-local'],
    ['http://[fd12:3456::1]/', 'unique-local'],
    ['http://224.0.0.1/', 'multicast'],
    ['http://[ff02::1]/', 'multicast'],
    ['http://0.0.0.0/', 'unspecified'],
    ['http://[::]/', 'unspecified'],
    ['http://255.255.255.255/', 'broadcast'],
    ['http://100.64.0.1/', 'carrier-grade NAT'],
    ['http://192.0.2.1/', 'reserved'],
    ['http://240.0.0.1/', 'reserved'],
    ['http://[2001:db8::1]/', 'reserved'],
    // IPv6 forms carrying an IPv4 address are judged by it.
    ['http://[::ffff:a9fe:a9fe]/', 'link-local'],
    ['http://[::ffff:127.0.0.1]/', 'loopback'],
    ['http://[::ffff:0:7f00:1]/', 'loopback'],
    ['http://[::7f00:1]/', 'loopback'],
    ['http://[::8.8.8.8]/', 'IPv4-compatible'],
    ['http://[64:ff9b::a00:1]/', 'private'],
    // Decimal, octal, hex and short IPv4 forms (the URL parser normalizes them to 127.0.0.1).
    ['http://2130706433/', 'loopback'],
    ['http://0x7f.1/', 'loopback'],
    ['http://017700000001/', 'loopback'],
    ['http://127.1/', 'loopback'],
  ])('refuses %s (%s)', (url, range) => {
    expect(rangeOfUrl(url)).toBe(range);
  });

  it.each(['http://93.184.216.34/', 'http://[2606:4700::6810:84e5]/', 'http://[::ffff:8.8.8.8]/', 'http://[64:ff9b::808:808]/'])('allows the public address %s', (url) => {
    expect(rangeOfUrl(url)).toBeUndefined();
  });

  it('reads only strict IP literals; anything else is a host name', () => {
    expect(parseIp('localhost')).toBeUndefined();
    expect(parseIp('010.0.0.1')).toBeUndefined();
    expect(parseIp('[::1]')?.toString()).toBe('::1');
  });
});
