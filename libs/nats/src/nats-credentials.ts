import { readFile } from 'node:fs/promises';
import { credsAuthenticator, nkeyAuthenticator, type NodeConnectionOptions } from '@nats-io/transport-node';

/**
 * How a service authenticates to NATS (at most one of user/password, token, NKey, creds file)
 * and, optionally, TLS. Files are read when connecting, so a missing file stops the start.
 */
export interface NatsCredentials {
  user?: string;
  password?: string;
  token?: string;
  nkeySeed?: string;
  nkeyFile?: string;
  credsFile?: string;
  tls?: { caFile?: string; certFile?: string; keyFile?: string };
}

/** The credentials from the validated environment (`natsCredentialsEnvShape` of @kaa/config). */
export function natsCredentialsFromEnv(env: {
  NATS_USER?: string;
  NATS_PASSWORD?: string;
  NATS_TOKEN?: string;
  NATS_NKEY_SEED?: string;
  NATS_NKEY_FILE?: string;
  NATS_CREDS_FILE?: string;
  NATS_TLS_CA_FILE?: string;
  NATS_TLS_CERT_FILE?: string;
  NATS_TLS_KEY_FILE?: string;
}): NatsCredentials {
  const tls =
    env.NATS_TLS_CA_FILE || env.NATS_TLS_CERT_FILE
      ? { caFile: env.NATS_TLS_CA_FILE, certFile: env.NATS_TLS_CERT_FILE, keyFile: env.NATS_TLS_KEY_FILE }
      : undefined;
  return {
    user: env.NATS_USER,
    password: env.NATS_PASSWORD,
    token: env.NATS_TOKEN,
    nkeySeed: env.NATS_NKEY_SEED,
    nkeyFile: env.NATS_NKEY_FILE,
    credsFile: env.NATS_CREDS_FILE,
    tls,
  };
}

export class NatsCredentialsError extends Error {
  override name = 'NatsCredentialsError';
}

/** The part of the client's connect options that authenticates (and encrypts). */
export async function natsAuthOptions(credentials: NatsCredentials = {}): Promise<Partial<NodeConnectionOptions>> {
  const options: Partial<NodeConnectionOptions> = {};
  if (credentials.user) Object.assign(options, { user: credentials.user, pass: credentials.password });
  if (credentials.token) options.token = credentials.token;
  if (credentials.nkeySeed) options.authenticator = nkeyAuthenticator(new TextEncoder().encode(credentials.nkeySeed));
  if (credentials.nkeyFile) {
    const seed = (await readSecret(credentials.nkeyFile, 'NATS_NKEY_FILE')).trim();
    options.authenticator = nkeyAuthenticator(new TextEncoder().encode(seed));
  }
  if (credentials.credsFile) options.authenticator = credsAuthenticator(new TextEncoder().encode(await readSecret(credentials.credsFile, 'NATS_CREDS_FILE')));
  if (credentials.tls) {
    // Read here so that a wrong path is reported with its variable, not as a failed handshake.
    const { caFile, certFile, keyFile } = credentials.tls;
    options.tls = {
      ca: caFile ? await readSecret(caFile, 'NATS_TLS_CA_FILE') : undefined,
      cert: certFile ? await readSecret(certFile, 'NATS_TLS_CERT_FILE') : undefined,
      key: keyFile ? await readSecret(keyFile, 'NATS_TLS_KEY_FILE') : undefined,
    };
  }
  return options;
}

async function readSecret(file: string, variable: string): Promise<string> {
  try {
    return await readFile(file, 'utf8');
  } catch (error) {
    throw new NatsCredentialsError(`${variable} ${file}: ${(error as Error).message}`);
  }
}
