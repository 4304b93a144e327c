import { randomBytes, randomUUID } from 'node:crypto';
import type { NatsConnection } from '@nats-io/transport-node';
import { cdtp, elce, tle } from '@kaa/protocols';
import { DevIssuer } from '@kaa/testing';
import { ALL_SCOPES, api, natsConnection, reference, startEcr, type RunningEcr } from './support.js';

const requestType = reference.request();
const responseType = reference.response();
const appliedType = reference.applied();
const unregisteredType = reference.unregistered();
const tenantUnregisteredType = reference.tenantUnregistered();

describe('fuzzing every subscribed subject', () => {
  let issuer: DevIssuer;
  let ecr: RunningEcr;
  let nc: NatsConnection;

  beforeAll(async () => {
    issuer = await DevIssuer.start({ tenants: ['acme'] });
    ecr = await startEcr({ issuer, owners: { kettle: 'acme', fuzz: 'acme' }, env: { CDTP_CONSUMER_INSTANCES: 'fuzz-cmx' } });
    nc = await natsConnection();
  });

  afterAll(async () => {
    await nc?.close();
    await ecr?.close();
    await issuer?.close();
  });

  const ask = async (instance: string, endpointId: string, appVersionName: string) => {
    const bytes = requestType.toBuffer({ correlationId: randomUUID(), timestamp: Date.now(), timeout: 0, appVersionName, endpointId, configId: null, configName: null });
    const reply = await nc.request(cdtp.request(instance), bytes, { timeout: 5000 });
    return responseType.fromBuffer(Buffer.from(reply.data)) as { statusCode: number; configId: string | null };
  };

  it('keeps answering valid requests after 10,000 random and mutated payloads on each subscribed subject', async () => {
    const acme = api(ecr.base, await issuer.mint('acme', { scope: ALL_SCOPES }));
    const stored = await acme('PUT', '/endpoints/fuzz-ep/app-versions/kettle-v1', { fuzz: true });
    const seeds: Record<string, Buffer> = {
      [cdtp.request(ecr.instance)]: requestType.toBuffer({ correlationId: 'c', timestamp: Date.now(), timeout: 0, appVersionName: 'kettle-v1', endpointId: 'fuzz-ep', configId: null, configName: null }),
      [cdtp.configApplied('fuzz-cmx')]: appliedType.toBuffer({ correlationId: 'c', timestamp: Date.now(), timeout: 0, appVersionName: 'kettle-v1', endpointId: 'fuzz-ep', configId: 'x', originatorReplicaId: null, statusCode: 200, reasonPhrase: null }),
      [elce.lifecycle('fuzz-epr', 'unregistered')]: unregisteredType.toBuffer({ correlationId: 'c', timestamp: Date.now(), timeout: 0, appVersionName: 'fuzz-v1', endpointId: 'nobody', originatorReplicaId: 'r' }),
      [tle.lifecycle('fuzz-tm', 'unregistered')]: tenantUnregisteredType.toBuffer({ correlationId: 'c', timestamp: Date.now(), timeout: 0, tenantId: 'nobody', originatorReplicaId: 'r' }),
    };
    const metricsUrl = `${ecr.base.replace('/api/v1', '')}/metrics`;
    const handledBefore = await handledCount(metricsUrl);
    for (const [subject, seed] of Object.entries(seeds)) {
      for (let i = 0; i < 10_000; i++) {
        let payload: Buffer;
        if (i % 2 === 0) {
          payload = randomBytes(i % 64);
        } else {
          payload = Buffer.from(seed);
          const flips = 1 + (i % 4);
          for (let f = 0; f < flips; f++) payload[(i * 7 + f * 13) % payload.length] = (i * 31 + f) & 0xff;
          if (i % 5 === 1) payload = payload.subarray(0, i % payload.length);
        }
        // Every 100th asks for a reply, so error replies are exercised too.
        nc.publish(subject, payload, i % 100 === 1 ? { reply: `_INBOX.${randomUUID()}` } : undefined);
      }
      await nc.flush();
    }

    // ECR works through the backlog at its own pace; ask once it has handled every message sent,
    // so that the 5 s the valid request may take is not spent queued behind the fuzz on a loaded
    // machine.
    await backlogHandled(metricsUrl, handledBefore + Object.keys(seeds).length * 10_000);
    const response = await ask(ecr.instance, 'fuzz-ep', 'kettle-v1');
    expect(response.statusCode).toBe(200);
    expect(response.configId).toBe(stored.body.configId);
    const health = await fetch(`${ecr.base.replace('/api/v1', '')}/health`);
    expect(health.status).toBe(200);
  }, 180_000);
});

/** Inbound NATS messages ECR has finished handling, whatever the outcome. */
async function handledCount(metricsUrl: string): Promise<number> {
  const text = await (await fetch(metricsUrl)).text();
  return text
    .split('\n')
    .filter((line) => line.startsWith('nats_messages_total{') && line.includes('direction="in"'))
    .reduce((sum, line) => sum + Number(line.slice(line.lastIndexOf(' ') + 1)), 0);
}

/**
 * Waits until ECR has handled `expected` inbound messages. Should the server have dropped some
 * (a slow consumer), the count stops short: then it waits until the count has not moved for 10 s.
 */
async function backlogHandled(metricsUrl: string, expected: number, deadlineMs = 120_000) {
  const deadline = Date.now() + deadlineMs;
  let last = -1;
  let stableSince = Date.now();
  for (;;) {
    const now = await handledCount(metricsUrl);
    if (now >= expected) return;
    if (now !== last) stableSince = Date.now();
    else if (Date.now() - stableSince >= 10_000) return;
    if (Date.now() > deadline) throw new Error(`ECR still handling the fuzz backlog after ${deadlineMs} ms (${now} of ${expected} handled)`);
    last = now;
    await new Promise((r) => setTimeout(r, 250));
  }
}
