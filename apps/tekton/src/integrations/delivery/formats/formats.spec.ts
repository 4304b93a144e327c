import { createHmac } from 'node:crypto';
import type { PlatformEvent } from '../../../events/platform-event.js';
import { backoffMs } from '../backoff.js';
import { buildRequest, commitState, repositoryOf, SkipDelivery } from './formats.js';

const event: PlatformEvent = {
  id: 'evt-1',
  type: 'app-config.changed',
  tenantId: 't1',
  application: 'thermostat',
  summary: 'Config changed',
  revision: 'a'.repeat(40),
  source: 'https://github.com/acme/fleet.git',
  occurredAt: '2025-01-01T00:00:00.000Z',
};

describe('formats', () => {
  it('signs timestamp.body for generic-hmac', () => {
    const sut = buildRequest({ type: 'generic-hmac', address: 'http://x/hook', secret: 'k', notificationName: 'n' }, event, new Date(1_700_000_000_000));
    expect(sut.headers['X-Kaa-Timestamp']).toBe('1700000000');
    const expected = createHmac('sha256', 'k').update(`1700000000.${sut.body}`).digest('hex');
    expect(sut.headers['X-Kaa-Signature']).toBe(`sha256=${expected}`);
    expect(JSON.parse(sut.body)).toEqual(event);
    expect(sut.headers['X-Kaa-Produced-By']).toBe('tekton-integrations');
  });

  it('posts a commit status with a stable context for github', () => {
    const sut = buildRequest({ type: 'github', address: 'https://ghe.local/api/v3/', secret: 'tok', notificationName: 'prod' }, event);
    expect(sut.url).toBe(`https://ghe.local/api/v3/repos/acme/fleet/statuses/${'a'.repeat(40)}`);
    expect(sut.headers.authorization).toBe('Bearer tok');
    expect(JSON.parse(sut.body)).toEqual({ state: 'success', context: 'kaa/prod', description: 'Config changed' });
  });

  it('skips github events without revision or source', () => {
    expect(() => buildRequest({ type: 'github', address: 'https://api.github.com', secret: 't', notificationName: 'n' }, { ...event, revision: undefined })).toThrow(SkipDelivery);
  });

  it('takes only valid GitHub names and commit shas into the URL that carries the token', () => {
    const github = { type: 'github' as const, address: 'https://api.github.com', secret: 't', notificationName: 'n' };
    for (const source of ['../..', '../../x', 'acme/..', 'acme/.', '-acme/fleet', 'ac--me/fleet', `${'a'.repeat(40)}/fleet`, `acme/${'r'.repeat(101)}`, 'acme/fl%2Fet', 'acme/fleet/extra', 'https://github.com/acme/../../x']) {
      expect(() => buildRequest(github, { ...event, source })).toThrow(new SkipDelivery('source is not a GitHub repository (owner/repo with valid GitHub names)'));
    }
    for (const revision of ['abc123', 'g'.repeat(40), 'a'.repeat(41), '../x']) {
      expect(() => buildRequest(github, { ...event, revision })).toThrow(SkipDelivery);
    }
    expect(repositoryOf(`${'a'.repeat(39)}/${'r'.repeat(100)}`)).toEqual({ owner: 'a'.repeat(39), repo: 'r'.repeat(100) });
    expect(repositoryOf('my-org/.github')).toEqual({ owner: 'my-org', repo: '.github' });
    expect(buildRequest(github, { ...event, source: 'Acme-Corp/fleet_v2.x', revision: 'ABC1234' }).url).toBe('https://api.github.com/repos/Acme-Corp/fleet_v2.x/statuses/ABC1234');
  });

  it('maps states and repositories', () => {
    expect(commitState({ ...event, type: 'endpoint-config.applied', data: { statusCode: 400 } })).toBe('failure');
    expect(commitState({ ...event, type: 'endpoint-config.applied', data: { statusCode: 200 } })).toBe('success');
    expect(commitState({ ...event, type: 'endpoint-config.updated' })).toBe('pending');
    expect(repositoryOf('acme/fleet')).toEqual({ owner: 'acme', repo: 'fleet' });
    expect(repositoryOf('https://github.com/acme')).toBeUndefined();
  });

  it('backs off exponentially up to the cap', () => {
    expect(backoffMs(1, 100, 1000, () => 1)).toBe(100);
    expect(backoffMs(3, 100, 1000, () => 1)).toBe(400);
    expect(backoffMs(10, 100, 1000, () => 1)).toBe(1000);
    expect(backoffMs(3, 100, 1000, () => 0)).toBe(200);
  });
});
