import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { writeTempFile } from '@kaa/testing';
import { connect, type NatsConnection, type Subscription } from '@nats-io/transport-node';
import { eventually, testNatsUrl } from '@kaa/testing';
import { watch, watchEventCodec, type WatchEvent } from '@kaa/protocols';
import { createCertificateAuthority, importPrivateKey, issueCertificate } from '../src/pki/certificates.js';
import { CertificateAuthorityService } from '../src/pki/certificate-authority.service.js';
import { formatXfcc } from '../src/listener/xfcc.js';
import { cleanUp, eventBody, postEvent, startWatcher, type Credentials, type Watcher } from './support.js';

const COMPONENT = 'lifecycle-manager';
const PATH = `/v2/${COMPONENT}/event`;

describe('watch event listener over mutual TLS', () => {
  let sut: Watcher;
  let proxyReplica: Watcher;
  let nc: NatsConnection;
  let sub: Subscription;
  const received: WatchEvent[] = [];
  let runtime: Credentials;
  let sentinelCount = 0;

  beforeAll(async () => {
    // 127.0.0.1 is not a trusted proxy for this replica ...
    sut = await startWatcher({ env: { TRUSTED_PROXIES: '10.255.255.1' } });
    // ... and is one for a second replica of the same instance.
    proxyReplica = await startWatcher({ instance: sut.instance, issuer: sut.issuer, env: { TRUSTED_PROXIES: '127.0.0.1' } });
    nc = await connect({ servers: testNatsUrl() });
    sub = nc.subscribe(watch.patterns.changed(sut.instance), {
      callback: (_error, msg) => {
        received.push(watchEventCodec.decode(msg.data));
      },
    });
    await nc.flush();
    runtime = await sut.register('rt-1', 'rt1.example.com');
    const watcher = await sut.api('POST', '/watchers', {
      component: COMPONENT,
      resourceToWatch: { group: 'operator.kyma-project.io', version: '*', resource: 'kymas' },
      labelsToWatch: { 'operator.kyma-project.io/watched-by': 'kyma' },
      field: 'spec',
    });
    expect(watcher.status).toBe(201);
  });

  afterAll(async () => {
    sub?.unsubscribe();
    await nc?.close();
    await proxyReplica?.close();
    await sut?.close();
    if (sut) await cleanUp(sut.instance);
  });

  /** Sends a valid event and waits for it: anything published before it would have arrived first. */
  async function publishedBeforeSentinel(): Promise<WatchEvent[]> {
    const name = `sentinel-${++sentinelCount}`;
    const before = received.length;
    const res = await postEvent(sut.listenerUrl, PATH, { ca: runtime.caBundle, credentials: runtime, body: eventBody(name) });
    expect(res.status).toBe(200);
    await eventually(() => (received.some((e) => e.watchedName === name) ? true : undefined));
    const arrived = received.slice(before);
    expect(arrived.at(-1)?.watchedName).toBe(name);
    return arrived.slice(0, -1);
  }

  it('accepts an event from a registered runtime and publishes it as a WatchEvent', async () => {
    const body = JSON.stringify({ watched: { Namespace: 'kyma-system', Name: 'default' }, watchedGvk: { group: 'operator.kyma-project.io', version: 'v1beta2', kind: 'Kyma' } });
    const res = await postEvent(sut.listenerUrl, PATH, { ca: runtime.caBundle, credentials: runtime, body, headers: { 'x-correlation-id': 'corr-1' } });
    expect(res.status).toBe(200);
    const event = await eventually(() => received.find((e) => e.watchedName === 'default'));
    expect(event).toMatchObject({
      runtimeId: 'rt-1',
      component: COMPONENT,
      watchedNamespace: 'kyma-system',
      watchedName: 'default',
      group: 'operator.kyma-project.io',
      version: 'v1beta2',
      kind: 'Kyma',
      correlationId: 'corr-1',
      eventId: res.body.eventId,
    });
  });

  describe('refuses, and publishes nothing for', () => {
    it('a connection without a client certificate', async () => {
      const res = await postEvent(sut.listenerUrl, PATH, { ca: runtime.caBundle, body: eventBody('no-cert') });
      expect(res.status).toBe(401);
      expect(res.body.error).toBe('no_certificate');
      expect(await publishedBeforeSentinel()).toEqual([]);
    });

    it('a certificate from another CA, even with the right CN and SAN', async () => {
      const foreign = await createCertificateAuthority('foreign', 1);
      const cert = await issueCertificate(
        { certificatePem: foreign.certificatePem, privateKey: await importPrivateKey(foreign.privateKeyPem) },
        { commonName: 'rt-1', altNames: ['rt1.example.com'], usage: 'client', validityDays: 1 },
      );
      const res = await postEvent(sut.listenerUrl, PATH, {
        ca: runtime.caBundle,
        credentials: { certificate: cert.certificatePem, privateKey: cert.privateKeyPem },
        body: eventBody('foreign-ca'),
      });
      expect(res.status === 401 || res.status === 0).toBe(true);
      expect(res.status === 0 || res.body.error === 'untrusted_certificate').toBe(true);
      expect(await publishedBeforeSentinel()).toEqual([]);
    });

    it('a certificate of our CA whose SANs do not carry the registered domain', async () => {
      const authority = await sut.app.get(CertificateAuthorityService).activeAuthority();
      const cert = await issueCertificate(authority, { commonName: 'rt-1', altNames: ['evil.example.com'], usage: 'client', validityDays: 1 });
      const res = await postEvent(sut.listenerUrl, PATH, {
        ca: runtime.caBundle,
        credentials: { certificate: cert.certificatePem, privateKey: cert.privateKeyPem },
        body: eventBody('san-mismatch'),
      });
      expect(res.status).toBe(403);
      expect(res.body.error).toBe('san_mismatch');
      expect(await publishedBeforeSentinel()).toEqual([]);
    });

    it('a revoked runtime, without restarting the listener', async () => {
      const revoked = await sut.register('rt-revoked', 'revoked.example.com');
      expect((await postEvent(sut.listenerUrl, PATH, { ca: revoked.caBundle, credentials: revoked, body: eventBody('before-revocation') })).status).toBe(200);
      expect((await sut.api('DELETE', '/runtimes/rt-revoked')).status).toBe(204);
      const res = await postEvent(sut.listenerUrl, PATH, { ca: revoked.caBundle, credentials: revoked, body: eventBody('after-revocation') });
      expect(res.status).toBe(403);
      expect(res.body.error).toBe('revoked');
      const published = await publishedBeforeSentinel();
      expect(published.map((e) => e.watchedName)).not.toContain('after-revocation');
    });

    it('an X-Forwarded-Client-Cert header from an untrusted address (ignored and counted)', async () => {
      const metricBefore = await untrustedXfccCount(sut);
      const res = await postEvent(sut.listenerUrl, PATH, {
        ca: runtime.caBundle,
        headers: { 'x-forwarded-client-cert': formatXfcc(runtime.certificate, { subject: 'CN=rt-1', dns: ['rt1.example.com'] }) },
        body: eventBody('xfcc-untrusted'),
      });
      expect(res.status).toBe(401);
      expect(res.body.error).toBe('no_certificate');
      expect(await untrustedXfccCount(sut)).toBe(metricBefore + 1);
      expect(await publishedBeforeSentinel()).toEqual([]);
    });
  });

  it('honours X-Forwarded-Client-Cert from a trusted proxy address, and still checks its chain', async () => {
    const xfcc = formatXfcc(runtime.certificate, { subject: 'CN=rt-1', dns: ['rt1.example.com'] });
    const res = await postEvent(proxyReplica.listenerUrl, PATH, { ca: runtime.caBundle, headers: { 'x-forwarded-client-cert': xfcc }, body: eventBody('via-proxy') });
    expect(res.status).toBe(200);
    const event = await eventually(() => received.find((e) => e.watchedName === 'via-proxy'));
    expect(event.runtimeId).toBe('rt-1');

    const foreign = await createCertificateAuthority('foreign', 1);
    const forged = await issueCertificate(
      { certificatePem: foreign.certificatePem, privateKey: await importPrivateKey(foreign.privateKeyPem) },
      { commonName: 'rt-1', altNames: ['rt1.example.com'], usage: 'client', validityDays: 1 },
    );
    const refused = await postEvent(proxyReplica.listenerUrl, PATH, {
      ca: runtime.caBundle,
      headers: { 'x-forwarded-client-cert': formatXfcc(forged.certificatePem) },
      body: eventBody('via-proxy-forged'),
    });
    expect(refused.status).toBe(401);
    expect(refused.body.error).toBe('untrusted_certificate');
    expect((await publishedBeforeSentinel()).map((e) => e.watchedName)).not.toContain('via-proxy-forged');
  });

  it('sender CLI posts an event with a runtime certificate (Go key spelling)', async () => {
    const credentials = await writeTempFile('runtime.json', JSON.stringify(runtime));
    const { stdout } = await run(process.execPath, [
      CLI, '--url', sut.listenerUrl, '--component', COMPONENT, '--credentials', credentials,
      '--namespace', 'kyma-system', '--name', 'from-cli', '--group', 'operator.kyma-project.io', '--version', 'v1beta2', '--kind', 'Kyma', '--go-keys',
    ]);
    expect(stdout).toMatch(/^200 /);
    const event = await eventually(() => received.find((e) => e.watchedName === 'from-cli'));
    expect(event).toMatchObject({ runtimeId: 'rt-1', watchedNamespace: 'kyma-system' });
  });

  it('answers the HTTP contract: 405, 413, 400, 404 without watcher, 422 for an unwatched GVK', async () => {
    const opts = { ca: runtime.caBundle, credentials: runtime };
    const get = await postEvent(sut.listenerUrl, PATH, { ...opts, method: 'GET' });
    expect(get.status).toBe(405);
    const big = await postEvent(sut.listenerUrl, PATH, { ...opts, body: JSON.stringify({ watched: { name: 'x'.repeat(17 * 1024) } }) });
    expect(big.status).toBe(413);
    const malformed = await postEvent(sut.listenerUrl, PATH, { ...opts, body: '{"watched": ' });
    expect(malformed.status).toBe(400);
    const noWatcher = await postEvent(sut.listenerUrl, '/v2/nobody-watches/event', { ...opts, body: eventBody('x') });
    expect(noWatcher.status).toBe(404);
    const gvk = await postEvent(sut.listenerUrl, PATH, { ...opts, body: eventBody('cm', { group: '', version: 'v1', kind: 'ConfigMap' }) });
    expect(gvk.status).toBe(422);
    const metrics = await (await fetch(`${sut.baseUrl}/metrics`)).text();
    expect(metrics).toMatch(/watcher_events_total\{outcome="refused",reason="gvk_mismatch"[^}]*\} 1/);
    expect(await publishedBeforeSentinel()).toEqual([]);
  });
});

const run = promisify(execFile);
const CLI = join(import.meta.dirname, '../../../tools/watch-send/watch-send.mjs');

async function untrustedXfccCount(watcher: Watcher): Promise<number> {
  const text = await (await fetch(`${watcher.baseUrl}/metrics`)).text();
  const line = text.split('\n').find((l) => l.startsWith('watcher_xfcc_untrusted_total'));
  return line ? Number(line.split(' ').at(-1)) : 0;
}
