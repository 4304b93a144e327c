import { NatsClient } from '@kaa/nats';
import { DevIssuer, eventually, NatsServerProcess, outboxDrained } from '@kaa/testing';
import { ALL_SCOPES, api, startEcr, type RunningEcr } from './support.js';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const FAULTS = ['SIGTERM', 'SIGKILL', 'hang', 'SIGKILL', 'hang', 'SIGTERM', 'hang', 'SIGTERM', 'SIGKILL'] as const;
const ENDPOINTS = 4;

describe('ecr ConfigUpdated while NATS is stopped, killed and hung', () => {
  let issuer: DevIssuer;
  let nats: NatsServerProcess;
  let ecr: RunningEcr;
  let call: ReturnType<typeof api>;

  beforeAll(async () => {
    issuer = await DevIssuer.start({ tenants: ['acme'] });
    nats = await NatsServerProcess.start({ trace: true });
    ecr = await startEcr({
      issuer,
      owners: { kettle: 'acme' },
      appConfig: { kaa: { applications: { kettle: { 'endpoint-configuration': { 'schema-required': true, schema: { type: 'object' } } } } } },
      env: { NATS_URL: nats.url },
    });
    call = api(ecr.base, await issuer.mint('acme', { scope: ALL_SCOPES }));
  });

  afterAll(async () => {
    await ecr?.close();
    await nats?.dispose();
    await issuer?.close();
  });

  it('broadcasts every endpoint config change answered 2xx at least once, each endpoint in order', async () => {
    const accepted: string[] = [];
    let refused = 0;
    let writing = true;
    const writer = (async () => {
      for (let n = 0; writing; n++) {
        const endpoint = n % ENDPOINTS;
        const tag = `<ep-${endpoint}:${Math.floor(n / ENDPOINTS)}>`;
        const response = await call('PUT', `/endpoints/ep-${endpoint}/app-versions/kettle-v1`, { tag });
        if (response.status >= 200 && response.status < 300) accepted.push(tag);
        else refused++;
      }
    })();
    const client = ecr.app.get(NatsClient);
    for (const fault of FAULTS) {
      await eventually(() => (client.connectionIdentity() ? true : undefined), 10000, 5);
      await sleep(20 + Math.floor(Math.random() * 300));
      await nats.strike(fault);
    }
    writing = false;
    await writer;

    // The relay deletes an outbox row only once NATS confirmed it: the empty outbox is the event.
    await outboxDrained(ecr.instance);
    await nats.traceCaughtUp();
    // The config document travels inside the Avro ConfigUpdated; its tag is readable in the trace.
    const received = nats.receivedPayloads().flatMap((payload) => [...payload.matchAll(/<ep-\d+:\d+>/g)].map((m) => m[0]));
    const seen = new Set(received);
    const lost = accepted.filter((tag) => !seen.has(tag));
    const order = new Map<string, number>();
    const outOfOrder: string[] = [];
    for (const tag of new Set(received)) {
      const [, endpoint, revision] = /<(ep-\d+):(\d+)>/.exec(tag)!;
      if ((order.get(endpoint) ?? -1) > Number(revision)) outOfOrder.push(tag);
      order.set(endpoint, Number(revision));
    }
    console.log(
      `ecr ConfigUpdated faults: ${JSON.stringify({ changes: accepted.length, refused, notices: received.length, duplicates: received.length - seen.size, lost: lost.length, outOfOrder: outOfOrder.length, restarts: FAULTS.length })}`,
    );
    expect(accepted.length).toBeGreaterThan(FAULTS.length * 10);
    expect({ lost: lost.slice(0, 10), outOfOrder: outOfOrder.slice(0, 10) }).toEqual({ lost: [], outOfOrder: [] });
  }, 120_000);
});
