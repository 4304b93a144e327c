import { EgressPolicy, EgressRefused, NOTHING_ALLOWED, parseAllowedNetworks, type Resolve } from './egress-policy.js';

const dns = (answers: Record<string, string[]>): Resolve => async (host) => {
  const addresses = answers[host];
  if (!addresses) throw Object.assign(new Error(`getaddrinfo ENOTFOUND ${host}`), { code: 'ENOTFOUND' });
  return addresses.map((address) => ({ address, family: address.includes(':') ? 6 : 4 }));
};

describe('parseAllowedNetworks', () => {
  it('reads CIDRs, single addresses and host names', () => {
    const sut = parseAllowedNetworks(' 10.0.0.0/8, fd00::/8,192.168.1.20 , CI.Internal. ,');
    expect(sut.networks.map(([ip, bits]) => `${ip.toString()}/${bits}`)).toEqual(['10.0.0.0/8', 'fd00::/8', '192.168.1.20/32']);
    expect([...sut.hosts]).toEqual(['ci.internal']);
    expect(parseAllowedNetworks('')).toEqual({ networks: [], hosts: new Set() });
  });

  it('names every entry it cannot read', () => {
    expect(() => parseAllowedNetworks('10.0.0.0/33, 10.0.0.0/8, http://x/, 0x7f.1/8, a b')).toThrow('not a CIDR, IP address or host name: "10.0.0.0/33", "http://x/", "0x7f.1/8", "a b"');
  });
});

describe('EgressPolicy', () => {
  it('refuses URLs that are not http(s), carry credentials or name a refused address', async () => {
    const sut = new EgressPolicy(NOTHING_ALLOWED, dns({}));
    expect(await sut.urlRefusal('ftp://example.com/')).toBe('must be an http(s) URL');
    expect(await sut.urlRefusal('file:///etc/passwd')).toBe('must be an http(s) URL');
    expect(await sut.urlRefusal('not a url')).toBe('must be an http(s) URL');
    expect(await sut.urlRefusal('https://user:pw@example.com/')).toBe('must not carry a user name or password');
    expect(await sut.urlRefusal('http://127.0.0.2:8080/x')).toBe('address 127.0.0.2 is not allowed (loopback)');
    expect(await sut.urlRefusal('http://[::ffff:a9fe:a9fe]/')).toBe('address ::ffff:a9fe:a9fe is not allowed (link-local)');
    expect(await sut.urlRefusal('http://0x7f.1/')).toBe('address 127.0.0.1 is not allowed (loopback)');
    expect(await sut.urlRefusal('http://LOCALHOST./')).toBe('host localhost. resolves to a loopback address, which is not allowed');
    expect(await sut.urlRefusal('http://api.localhost/')).toBe('host api.localhost resolves to a loopback address, which is not allowed');
  });

  it('resolves host names when storing, refusing names with no allowed address and accepting names that do not resolve yet', async () => {
    const sut = new EgressPolicy(NOTHING_ALLOWED, dns({ 'internal.example': ['10.0.0.5'], 'mixed.example': ['10.0.0.5', '93.184.216.34'], 'public.example': ['93.184.216.34'] }));
    expect(await sut.urlRefusal('https://internal.example/hook')).toBe('host internal.example resolves to a private address, which is not allowed');
    expect(await sut.urlRefusal('https://mixed.example/hook')).toBeUndefined();
    expect(await sut.urlRefusal('https://public.example/hook')).toBeUndefined();
    expect(await sut.urlRefusal('https://not-yet.example/hook')).toBeUndefined();
  });

  it('allows what the operator lists: networks (also in IPv4-mapped form) and host names, whatever they resolve to', async () => {
    const sut = new EgressPolicy(parseAllowedNetworks('127.0.0.0/8,169.254.169.254,ci.internal'), dns({ 'ci.internal': ['10.9.9.9'], 'other.internal': ['10.9.9.9'] }));
    expect(await sut.urlRefusal('http://127.0.0.2:9/')).toBeUndefined();
    expect(await sut.urlRefusal('http://[::ffff:127.0.0.1]/')).toBeUndefined();
    expect(await sut.urlRefusal('http://2130706433/')).toBeUndefined();
    expect(await sut.urlRefusal('http://169.254.169.254/')).toBeUndefined();
    expect(await sut.urlRefusal('http://169.254.169.253/')).toBe('address 169.254.169.253 is not allowed (link-local)');
    expect(await sut.urlRefusal('http://[::1]/')).toBe('address ::1 is not allowed (loopback)');
    expect(await sut.urlRefusal('http://ci.internal/')).toBeUndefined();
    expect(await sut.urlRefusal('http://other.internal/')).toBe('host other.internal resolves to a private address, which is not allowed');
  });

  it('hands only allowed addresses of a name to a connection, and refuses when none is left', () => {
    const sut = new EgressPolicy(NOTHING_ALLOWED, dns({}));
    const v4 = (address: string) => ({ address, family: 4 });
    expect(sut.allowedAddresses('mixed.example', [v4('127.0.0.1'), v4('93.184.216.34')])).toEqual([v4('93.184.216.34')]);
    expect(() => sut.allowedAddresses('rebound.example', [v4('127.0.0.1')])).toThrow(new EgressRefused('host rebound.example resolves to a loopback address, which is not allowed'));
  });
});
