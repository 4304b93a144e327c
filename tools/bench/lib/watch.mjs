// Watcher fixtures: a watcher with a registered runtime (its client certificate) and a watcher for
// one component, and a sender of watch events over mTLS on kept-alive connections.
import https from 'node:https';
import { randomBytes } from 'node:crypto';
import { jetstreamManager } from '@nats-io/jetstream';
import { freePort, rand } from './context.mjs';
import { onCleanup } from './proc.mjs';

export const COMPONENT = 'bench-component';
export const GVK = { group: 'operator.kyma-project.io', version: 'v1beta2', kind: 'Kyma' };

/**
 * Starts the watcher on a free listener port, registers a runtime and a watcher for COMPONENT, and
 * deletes its JetStream stream at the end. Returns { watcher, listenerPort, tlsOptions, streamName }.
 */
export async function startWatcherWithRuntime(ctx) {
  const listenerPort = await freePort();
  const watcher = await ctx.startApp('watcher', {
    LISTENER_PORT: String(listenerPort),
    LISTENER_HOST: '127.0.0.1',
    WATCHER_CA_KEY_SECRET: randomBytes(32).toString('hex'),
  });
  const streamName = `KAA_WATCH_${watcher.instance.toUpperCase().replace(/-/g, '_')}`;
  onCleanup(async () => {
    const jsm = await jetstreamManager(ctx.nc);
    await jsm.streams.delete(streamName).catch(() => undefined);
  });
  const token = await ctx.token(['watcher:read', 'watcher:update', 'watcher:admin']);
  const api = async (path, body) => {
    const res = await fetch(`${watcher.baseUrl}/api/v1${path}`, {
      method: 'POST',
      headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
      body: JSON.stringify(body),
    });
    const text = await res.text();
    if (res.status !== 201) throw new Error(`POST ${path}: ${res.status} ${text.slice(0, 300)}`);
    return JSON.parse(text);
  };
  const runtime = await api('/runtimes', { runtimeId: `bench-rt-${rand()}`, domain: 'bench-rt.example.com' });
  await api('/watchers', { component: COMPONENT, resourceToWatch: { group: GVK.group, version: '*', resource: 'kymas' }, field: 'spec' });
  const tlsOptions = { cert: runtime.certificate, key: runtime.privateKey, ca: runtime.caBundle };
  return { watcher, listenerPort, tlsOptions, streamName };
}

/**
 * send(name) posts one watch event for object `name` over mTLS (kept-alive, at most `sockets`
 * connections) and resolves with the status code; rejects on a non-2xx answer.
 */
export function watchSender({ listenerPort, tlsOptions, sockets = 8 }) {
  const agent = new https.Agent({ keepAlive: true, maxSockets: sockets, ...tlsOptions });
  onCleanup(() => agent.destroy());
  return (name) =>
    new Promise((resolve, reject) => {
      // A distinct object per event: the watcher deduplicates identical events (content hash as message id).
      const data = JSON.stringify({ watched: { namespace: 'kyma-system', name }, watchedGvk: GVK });
      const req = https.request(
        {
          agent,
          host: '127.0.0.1',
          port: listenerPort,
          path: `/v2/${COMPONENT}/event`,
          method: 'POST',
          headers: { 'content-type': 'application/json', 'content-length': Buffer.byteLength(data) },
          timeout: 10000,
        },
        (res) => {
          const chunks = [];
          res.on('data', (c) => chunks.push(c));
          res.on('end', () => (res.statusCode >= 300 ? reject(new Error(`watch event: ${res.statusCode} ${Buffer.concat(chunks).toString().slice(0, 200)}`)) : resolve(res.statusCode)));
          res.on('error', reject);
        },
      );
      req.on('timeout', () => req.destroy(new Error('watch event: no answer within 10 s')));
      req.on('error', reject);
      req.end(data);
    });
}
