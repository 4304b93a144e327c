import { decodeJwt } from 'jose';
import { DevIssuer } from '@kaa/testing';
import { ClientCredentialsTokenSource, TokenRequestError } from '../src/index.js';

describe('ClientCredentialsTokenSource', () => {
  let issuer: DevIssuer;
  beforeAll(async () => {
    issuer = await DevIssuer.start({ tenants: ['kaa'], clients: [{ clientId: 'ecr', clientSecret: 's3cret', tenant: 'kaa', scope: 'kaa:application:read' }] });
  });
  afterAll(() => issuer.close());

  it('fetches a token once and reuses it until shortly before it expires', async () => {
    let now = Date.now();
    const sut = new ClientCredentialsTokenSource({ tokenUrl: issuer.tokenUrlFor('kaa'), clientId: 'ecr', clientSecret: 's3cret' }, 30_000, () => now);
    const [first, concurrent] = await Promise.all([sut.token(), sut.token()]);
    expect(concurrent).toBe(first);
    expect(decodeJwt(first)).toMatchObject({ iss: issuer.issuerFor('kaa'), scope: 'kaa:application:read', azp: 'ecr' });
    now += 200_000; // the dev issuer's tokens live 300 s
    expect(await sut.token()).toBe(first);
    now += 80_000; // within the 30 s margin
    expect(await sut.token()).not.toBe(first);
  });

  it('reports a wrong secret clearly', async () => {
    const sut = new ClientCredentialsTokenSource({ tokenUrl: issuer.tokenUrlFor('kaa'), clientId: 'ecr', clientSecret: 'wrong' });
    await expect(sut.token()).rejects.toThrow(TokenRequestError);
    await expect(sut.token()).rejects.toThrow(/HTTP 401/);
  });
});
