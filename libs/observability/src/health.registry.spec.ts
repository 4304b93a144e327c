import { HealthRegistry } from './health.registry.js';

describe('HealthRegistry', () => {
  it('is ok when every part answers', async () => {
    const sut = new HealthRegistry();
    sut.register({ name: 'database', check: async () => undefined });
    sut.register({ name: 'nats', check: async () => undefined });
    expect(await sut.report()).toEqual({ status: 'ok', failing: [], checks: { database: { status: 'up' }, nats: { status: 'up' } } });
  });

  it('names the failing part and why', async () => {
    const sut = new HealthRegistry();
    sut.register({ name: 'database', check: async () => undefined });
    sut.register({ name: 'nats', check: async () => Promise.reject(new Error('not connected')) });
    const report = await sut.report();
    expect(report.status).toBe('error');
    expect(report.failing).toEqual(['nats']);
    expect(report.checks.nats).toEqual({ status: 'down', error: 'not connected' });
  });

  it('treats a part that hangs as down', async () => {
    const sut = new HealthRegistry();
    sut.register({ name: 'database', check: () => new Promise(() => undefined) });
    const report = await sut.report(50);
    expect(report.failing).toEqual(['database']);
    expect(report.checks.database.error).toMatch(/did not answer within 50 ms/);
  });
});
