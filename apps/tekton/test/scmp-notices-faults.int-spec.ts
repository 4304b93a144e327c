import { randomBytes } from 'node:crypto';
import { NatsClient } from '@kaa/nats';
import { eventually, NatsServerProcess, outboxDrained } from '@kaa/testing';
import { ALL_SCOPES, client, startTekton, type Tekton } from './support.js';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const FAULTS = ['SIGTERM', 'SIGKILL', 'hang', 'SIGKILL', 'hang', 'SIGTERM', 'hang', 'SIGTERM', 'SIGKILL'] as const;
const APPS = 4;

describe('17/SCMP notices while NATS is stopped, killed and hung', () => {
  const tenant = `acme${randomBytes(3).toString('hex')}`;
  let nats: NatsServerProcess;
  let tekton: Tekton;

  beforeAll(async () => {
    nats = await NatsServerProcess.start({ trace: true });
    tekton = await startTekton({ tenants: [tenant], natsUrl: nats.url });
  });

  afterAll(async () => {
    await tekton?.close();
    await nats?.dispose();
  });

  it('announces every config PUT answered 2xx at least once, each application in order', async () => {
    const call = client(tekton.baseUrl, await tekton.issuer.mint(tenant, { scope: ALL_SCOPES }));
    const run = randomBytes(3).toString('hex');
    const apps = Array.from({ length: APPS }, (_, i) => `app${run}${i}`);
    for (const app of apps) expect((await call('POST', '/applications', { name: app })).status).toBe(201);

    // Each PUT flips the config, so each one is a change; its correlation id names it.
    const accepted: string[] = [];
    let refused = 0;
    let writing = true;
    const writer = (async () => {
      for (let n = 0; writing; n++) {
        const app = apps[n % APPS];
        const revision = Math.floor(n / APPS);
        const correlationId = `chg-${app}-${revision}`;
        const response = await call('PUT', `/app-configs/applications/${app}`, { cmx: { kaa: { applications: { [app]: { 'push-on-connect': revision % 2 === 0 } } } } }, { 'x-correlation-id': correlationId });
        if (response.status >= 200 && response.status < 300) accepted.push(correlationId);
        else refused++;
      }
    })();
    const nc = tekton.app.get(NatsClient);
    for (const fault of FAULTS) {
      await eventually(() => (nc.connectionIdentity() ? true : undefined), 10000, 5);
      await sleep(20 + Math.floor(Math.random() * 300));
      await nats.strike(fault);
    }
    writing = false;
    await writer;

    // The relay deletes an outbox row only once NATS confirmed it: the empty outbox is the event.
    await outboxDrained(tekton.instance);
    await nats.traceCaughtUp();
    // A notice carries its correlation id in its payload and its header: count it once per message.
    const pattern = new RegExp(`chg-app${run}\\d+-\\d+`, 'g');
    const received = nats.receivedPayloads().flatMap((payload) => [...new Set([...payload.matchAll(pattern)].map((m) => m[0]))]);
    const seen = new Set(received);
    const lost = accepted.filter((id) => !seen.has(id));
    const order = new Map<string, number>();
    const outOfOrder: string[] = [];
    for (const id of seen) {
      const [, app, revision] = /^chg-(.+)-(\d+)$/.exec(id)!;
      if ((order.get(app) ?? -1) > Number(revision)) outOfOrder.push(id);
      order.set(app, Number(revision));
    }
    console.log(
      `tekton 17/SCMP faults: ${JSON.stringify({ changes: accepted.length, refused, notices: received.length, duplicates: received.length - seen.size, lost: lost.length, outOfOrder: outOfOrder.length, restarts: FAULTS.length })}`,
    );
    expect(accepted.length).toBeGreaterThan(FAULTS.length * 10);
    expect({ lost: lost.slice(0, 10), outOfOrder: outOfOrder.slice(0, 10) }).toEqual({ lost: [], outOfOrder: [] });
  }, 120_000);
});
