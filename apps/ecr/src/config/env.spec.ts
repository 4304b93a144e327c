import { loadEcrEnv } from './env.js';

describe('loadEcrEnv: EPR settings', () => {
  const base = { TENANTS_FILE: 'tenants.json' };

  it('refuses EPR_URL without the client-credentials settings, naming them', () => {
    expect(() => loadEcrEnv({ ...base, EPR_URL: 'http://epr:8080' })).toThrow(/TOKEN_URL.*EPR_URL needs TOKEN_URL, CLIENT_ID and CLIENT_SECRET/);
  });

  it('refuses an EPR_URL that is not an http(s) URL', () => {
    expect(() => loadEcrEnv({ ...base, EPR_URL: 'ftp://epr', TOKEN_URL: 'http://kc/token', CLIENT_ID: 'ecr', CLIENT_SECRET: 's' })).toThrow(/EPR_URL/);
  });

  it('takes EPR_URL with the client-credentials settings', () => {
    const sut = loadEcrEnv({ ...base, EPR_URL: 'http://epr:8080', TOKEN_URL: 'http://kc/token', CLIENT_ID: 'ecr', CLIENT_SECRET: 's', EPR_TOKEN_SCOPE: 'endpoint:read' });
    expect(sut).toMatchObject({ EPR_URL: 'http://epr:8080', EPR_TOKEN_SCOPE: 'endpoint:read' });
  });
});
