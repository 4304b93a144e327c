import { randomUUID } from 'node:crypto';
import { getDataSourceToken } from '@nestjs/typeorm';
import type { DataSource } from 'typeorm';
import { query, uniqueName } from '@kaa/testing';
import { PlatformEventSink, type PlatformEvent } from '../src/events/platform-event.js';
import { DeliveryWorker } from '../src/integrations/delivery/delivery-worker.service.js';
import { client, startTekton, type Tekton } from './support.js';

/** About the costliest filter the limits let through: 392 instructions, which never match the summary below. */
const costly = (k: number) => ({ include: [0, 1, 2, 3].map((j) => `(?:[a-f]|[d-k]|[i-p]|[n-u]|[s-z]){${95 - 4 * k - j}}$`) });

describe('integrations: matching in a worker thread', () => {
  let tekton: Tekton;
  let call: ReturnType<typeof client>;

  beforeAll(async () => {
    tekton = await startTekton({ tenants: ['acme'], env: { INTEGRATIONS_POLL_MS: '60000', INTEGRATIONS_ALLOWED_NETWORKS: '127.0.0.1/32' } });
    call = client(tekton.baseUrl, await tekton.issuer.mint('acme', { scope: 'integration:read integration:update' }));
  });

  afterAll(async () => {
    await tekton?.close();
  });

  it('runs filters stored past the tenant limit only within the per-event budget, and records which it skipped', async () => {
    // The provider's address is never reached (deliveries stay pending behind a failed first send).
    expect((await call('POST', '/providers', { name: 'sink', type: 'generic', address: 'http://127.0.0.1:9/sink' })).status).toBe(201);
    for (let k = 0; k < 5; k++) expect((await call('POST', '/notifications', { name: `costly-${k}`, providerRef: 'sink', filter: costly(k) })).status).toBe(201);
    expect((await call('POST', '/notifications', { name: 'too-much', providerRef: 'sink', filter: costly(5) })).body.violations).toEqual([
      expect.objectContaining({ pointer: '/filter', message: expect.stringContaining('2000') }),
    ]);
    // As if stored before the limits: the filter the API just refused.
    expect((await call('POST', '/notifications', { name: 'too-much', providerRef: 'sink' })).status).toBe(201);
    const schema = `"${tekton.instance}"`;
    await query(`UPDATE ${schema}.integration_notification SET filter = filter || $1::jsonb WHERE name = 'too-much'`, [JSON.stringify(costly(5))]);
    expect((await call('POST', '/notifications', { name: 'every-change', providerRef: 'sink', filter: { eventTypes: ['app-config.changed'] } })).status).toBe(201);

    const event: PlatformEvent = {
      id: randomUUID(),
      type: 'app-config.changed',
      tenantId: 'acme',
      application: uniqueName('thermostat'),
      summary: `${'n'.repeat(1023)}!`,
      occurredAt: new Date().toISOString(),
    };
    const dataSource = tekton.app.get<DataSource>(getDataSourceToken());
    await dataSource.transaction((manager) => tekton.app.get(PlatformEventSink).record(manager, [event]));
    await tekton.app.get(DeliveryWorker).kick();

    const [recorded] = await query<{ matched: boolean; match_error: string | null }>(
      `SELECT matched_at IS NOT NULL AS matched, match_error FROM ${schema}.integration_event WHERE id = $1`,
      [event.id],
    );
    const [{ id: skipped }] = await query<{ id: string }>(`SELECT id FROM ${schema}.integration_notification WHERE name = 'too-much'`);
    expect(recorded).toEqual({ matched: true, match_error: `notifications ${skipped} not matched: their filters would take the event past its regex budget` });
    const delivered = await query<{ name: string }>(
      `SELECT n.name FROM ${schema}.integration_delivery d JOIN ${schema}.integration_notification n ON n.id = d.notification_id WHERE d.event_id = $1`,
      [event.id],
    );
    expect(delivered.map((d) => d.name)).toEqual(['every-change']);
  }, 60_000);
});
