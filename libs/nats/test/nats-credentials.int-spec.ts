import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Module, type INestApplicationContext } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { nkeys } from '@nats-io/transport-node';
import { ObservabilityModule } from '@kaa/observability';
import { NatsServerProcess, uniqueName } from '@kaa/testing';
import { NatsClient, NatsModule, natsCredentialsFromEnv } from '../src/index.js';

/** Boots a NatsClient from environment-style settings, the way the apps do. */
async function clientWith(servers: string, env: Record<string, string>): Promise<INestApplicationContext> {
  const instanceName = uniqueName('creds');
  @Module({
    imports: [
      ObservabilityModule.forRoot({ service: 'test', instance: instanceName, replicaId: 'r1', level: 'silent' }),
      NatsModule.forRoot({ servers, instanceName, replicaId: 'r1', service: 'test', credentials: natsCredentialsFromEnv(env) }),
    ],
  })
  class CredsModule {}
  const app = await NestFactory.createApplicationContext(CredsModule, { logger: false });
  await app.init();
  return app;
}

describe('NATS credentials from the environment', () => {
  const user = nkeys.createUser();
  let dir: string;
  let server: NatsServerProcess;

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'kaa-nats-creds-'));
    const config = join(dir, 'nats.conf');
    await writeFile(
      config,
      `authorization { users = [ { user: svc, password: $SVC_PASSWORD }, { nkey: ${user.getPublicKey()} } ] }\n`,
    );
    server = await NatsServerProcess.start({ configFile: config, env: { SVC_PASSWORD: 'right-password' } });
  });

  afterAll(async () => {
    await server?.stop();
  });

  async function roundTrip(app: INestApplicationContext) {
    const client = app.get(NatsClient);
    const subject = uniqueName('creds').replace(/-/g, '_');
    const got = new Promise<string>((resolve) => client.subscribe(subject, (msg) => resolve(new TextDecoder().decode(msg.data))));
    await client.flush();
    client.publish(subject, new TextEncoder().encode('hello'));
    return got;
  }

  it.each([
    ['NATS_USER and NATS_PASSWORD', async () => ({ NATS_USER: 'svc', NATS_PASSWORD: 'right-password' })],
    ['NATS_NKEY_SEED', async () => ({ NATS_NKEY_SEED: new TextDecoder().decode(user.getSeed()) })],
    [
      'NATS_NKEY_FILE',
      async () => {
        const file = join(dir, 'user.nk');
        await writeFile(file, `${new TextDecoder().decode(user.getSeed())}\n`);
        return { NATS_NKEY_FILE: file };
      },
    ],
  ])('connects with %s', async (_how, env) => {
    const app = await clientWith(server.url, await env());
    try {
      expect(await roundTrip(app)).toBe('hello');
    } finally {
      await app.close();
    }
  });
});
