// tools/dev/services.mjs against the Postgres and NATS this run already uses (npm test exports
// DATABASE_URL and NATS_URL). Nothing here starts a database or a nats-server.
import { once } from 'node:events';
import { createServer, type Server, type Socket } from 'node:net';
import { ensureServices, freePort, probePostgres } from '../dev/services.mjs';

const databaseUrl = process.env.DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';
const natsUrl = process.env.NATS_URL ?? 'nats://127.0.0.1:4222';

const default5432Answers = await probePostgres('postgres://postgres@127.0.0.1:5432/postgres', 1000).then(
  () => true,
  () => false,
);

function collector() {
  const lines: string[] = [];
  return { lines, log: (line: string) => lines.push(line) };
}

/** Speaks just enough of the NATS protocol to be connected to; answers no JetStream API request. */
async function natsWithoutJetStream(): Promise<{ url: string; server: Server }> {
  const sockets = new Set<Socket>();
  const server = createServer((socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
    socket.on('error', () => undefined);
    socket.write(`INFO ${JSON.stringify({ server_id: 'FAKE', server_name: 'fake', version: '2.9.99', proto: 1, headers: false, max_payload: 1048576 })}\r\n`);
    socket.on('data', (chunk) => {
      for (const line of chunk.toString('utf8').split('\r\n')) if (line.startsWith('PING')) socket.write('PONG\r\n');
    });
  });
  server.on('close', () => sockets.forEach((s) => s.destroy()));
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const address = server.address();
  if (address === null || typeof address === 'string') throw new Error('no port');
  return { url: `nats://127.0.0.1:${address.port}`, server };
}

describe('ensureServices', () => {
  it('reuses DATABASE_URL and NATS_URL when they answer, and starts nothing', async () => {
    const { lines, log } = collector();
    const sut = await ensureServices({ env: { DATABASE_URL: databaseUrl, NATS_URL: natsUrl }, log });
    try {
      expect(sut.databaseUrl).toBe(databaseUrl);
      expect(sut.natsUrl).toBe(natsUrl);
      expect(sut.started).toEqual([]);
      expect(lines.join('\n')).toMatch(/Postgres: using DATABASE_URL postgres/);
      expect(lines.join('\n')).toMatch(/NATS: using NATS_URL nats:\/\/.*JetStream enabled/);
    } finally {
      await sut.stop();
    }
  });

  (default5432Answers ? it : it.skip)('falls back to 127.0.0.1:5432 when DATABASE_URL points at a dead port', async () => {
    const deadPort = await freePort();
    const { lines, log } = collector();
    const sut = await ensureServices({
      env: { DATABASE_URL: `postgres://postgres@127.0.0.1:${deadPort}/postgres`, NATS_URL: natsUrl },
      database: 'postgres',
      log,
    });
    try {
      expect(new URL(sut.databaseUrl).port).toBe('5432');
      expect(sut.started).toEqual([]);
      expect(lines.join('\n')).toContain(`DATABASE_URL postgres://postgres@127.0.0.1:${deadPort}/postgres does not answer (ECONNREFUSED)`);
      expect(lines.join('\n')).toContain('Postgres: using the server on 127.0.0.1:5432');
    } finally {
      await sut.stop();
    }
  });

  it('refuses a NATS_URL whose server has no JetStream, saying so', async () => {
    const fake = await natsWithoutJetStream();
    try {
      await expect(ensureServices({ env: { DATABASE_URL: databaseUrl, NATS_URL: fake.url }, log: () => undefined })).rejects.toThrow(
        `NATS: NATS_URL ${fake.url} answers (nats-server 2.9.99) but JetStream is not enabled`,
      );
    } finally {
      fake.server.close();
    }
  });
});
