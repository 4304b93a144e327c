import { certificateFromXfcc, formatXfcc, parseXfcc } from './xfcc.js';

const PEM = '-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n';

describe('XFCC', () => {
  it('parses the Envoy format with quoted values containing separators', () => {
    const sut = parseXfcc('By=spiffe://cluster.local/ns/x;Hash=abc;Subject="CN=a,O=b;c";URI=;DNS=rt1.example.com');
    expect(sut).toEqual([{ by: 'spiffe://cluster.local/ns/x', hash: 'abc', subject: 'CN=a,O=b;c', uri: '', dns: 'rt1.example.com' }]);
  });

  it('round-trips a URL-encoded certificate', () => {
    expect(certificateFromXfcc(formatXfcc(PEM, { subject: 'CN=rt1', dns: ['rt1.example.com'] }))).toBe(PEM);
  });

  it('refuses several elements, a missing Cert and non-PEM content', () => {
    expect(() => certificateFromXfcc(`${formatXfcc(PEM)},${formatXfcc(PEM)}`)).toThrow(/exactly one/);
    expect(() => certificateFromXfcc('Hash=abc;Subject="CN=x"')).toThrow(/no Cert/);
    expect(() => certificateFromXfcc('Cert="hello"')).toThrow(/PEM/);
    expect(() => certificateFromXfcc('Cert="%E0%A4%A"')).toThrow(/URL-encoded/);
  });
});
