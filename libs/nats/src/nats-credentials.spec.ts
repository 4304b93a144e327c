import { writeFile, mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { natsAuthOptions, natsCredentialsFromEnv } from './nats-credentials.js';

describe('natsAuthOptions', () => {
  it('passes user and password, or a token, to the client', async () => {
    expect(await natsAuthOptions(natsCredentialsFromEnv({ NATS_USER: 'ecr', NATS_PASSWORD: 'p' }))).toEqual({ user: 'ecr', pass: 'p' });
    expect(await natsAuthOptions(natsCredentialsFromEnv({ NATS_TOKEN: 't' }))).toEqual({ token: 't' });
    expect(await natsAuthOptions(natsCredentialsFromEnv({}))).toEqual({});
  });

  it('reads TLS files and names the variable of a missing one', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'kaa-nats-tls-'));
    await writeFile(join(dir, 'ca.pem'), 'CA');
    expect((await natsAuthOptions(natsCredentialsFromEnv({ NATS_TLS_CA_FILE: join(dir, 'ca.pem') }))).tls).toEqual({ ca: 'CA', cert: undefined, key: undefined });
    await expect(natsAuthOptions(natsCredentialsFromEnv({ NATS_CREDS_FILE: join(dir, 'missing.creds') }))).rejects.toThrow(/^NATS_CREDS_FILE .*missing\.creds/);
    await expect(natsAuthOptions(natsCredentialsFromEnv({ NATS_TLS_CERT_FILE: join(dir, 'x.pem'), NATS_TLS_KEY_FILE: join(dir, 'ca.pem') }))).rejects.toThrow(/NATS_TLS_CERT_FILE/);
  });

  it('signs with an NKey seed', async () => {
    const options = await natsAuthOptions(natsCredentialsFromEnv({ NATS_NKEY_SEED: `SU${'A'.repeat(56)}` }));
    expect(typeof options.authenticator).toBe('function');
  });
});
