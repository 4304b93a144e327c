import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { performance } from 'node:perf_hooks';
import type { PlatformEvent } from '../../events/platform-event.js';
import { filterProgram, filterViolations, MatchClock, matches, MAX_TENANT_PROGRAM, type NotificationFilter } from '../notifications/notification-filter.js';
import { MatchTimedOut, MatchWorkerPool } from './match-worker-pool.js';

const emptyFilter = (): NotificationFilter => ({ eventTypes: [], applications: [], serviceInstances: [], include: [], exclude: [] });

const event: PlatformEvent = {
  id: 'e1',
  type: 'app-config.changed',
  tenantId: 't1',
  application: 'thermostat',
  serviceInstance: 'ecr',
  summary: 'Config of thermostat for ecr changed (PUT)',
  occurredAt: new Date(0).toISOString(),
};

/** The cases of notification-filter.spec.ts, with the answer the in-thread matcher gives. */
const cases: [string, NotificationFilter, PlatformEvent, boolean][] = [
  ['empty', emptyFilter(), event, true],
  ['other type', { ...emptyFilter(), eventTypes: ['app-version.deleted'] }, event, false],
  ['type and application', { ...emptyFilter(), eventTypes: ['app-config.changed'], applications: ['thermostat'] }, event, true],
  ['other application', { ...emptyFilter(), applications: ['other'] }, event, false],
  ['application of an app version', { ...emptyFilter(), applications: ['smart-meter'] }, { ...event, application: undefined, appVersion: 'smart-meter-v2' }, true],
  ['other instance', { ...emptyFilter(), serviceInstances: ['cmx'] }, event, false],
  ['one include matches', { ...emptyFilter(), include: ['^Nope', 'thermo'] }, event, true],
  ['no include matches', { ...emptyFilter(), include: ['^Nope'] }, event, false],
  ['excluded', { ...emptyFilter(), include: ['thermo'], exclude: ['PUT\\)$'] }, event, false],
  ['catastrophic backtracking, no match', { ...emptyFilter(), include: ['(a|aa)+b'] }, { ...event, summary: 'a'.repeat(100) }, false],
  ['catastrophic backtracking, match', { ...emptyFilter(), include: ['(a|aa)+b'] }, { ...event, summary: `${'a'.repeat(100)}b` }, true],
  ['refused include never matches', { ...emptyFilter(), include: ['x{1000}'] }, { ...event, summary: 'x'.repeat(1000) }, false],
  ['refused exclude never excludes', { ...emptyFilter(), exclude: ['x{1000}'] }, { ...event, summary: 'x'.repeat(1000) }, true],
  ['summary cut at 1 KiB', { ...emptyFilter(), include: ['y'] }, { ...event, summary: `${'x'.repeat(1024)}y` }, false],
];

/** About the costliest filter the limits let through: 392 instructions that never match prose. */
const costly = (k: number): NotificationFilter => ({ ...emptyFilter(), include: [0, 1, 2, 3].map((j) => `(?:[a-f]|[d-k]|[i-p]|[n-u]|[s-z]){${95 - 4 * k - j}}$`) });
const prose = 'the quick brown fox jumps over the lazy dog '.repeat(24);
/** A summary on which those filters cost the most (tens of ms per event): every position starts a run. */
const worstSummary = `${'n'.repeat(1023)}!`;
const matchable = ({ type, application, appVersion, serviceInstance, summary }: PlatformEvent) => ({ type, application, appVersion, serviceInstance, summary });

describe('MatchWorkerPool', () => {
  let sut: MatchWorkerPool;

  afterEach(async () => {
    await sut?.close();
  });

  it('answers like the in-thread matcher, in a worker thread', async () => {
    sut = new MatchWorkerPool({ workers: 1, timeoutMs: 10_000 });
    for (const [name, filter, e, expected] of cases) {
      expect([name, await matches(filter, e)]).toEqual([name, expected]);
      const answer = await sut.match({ event: matchable(e), notifications: [{ id: '7', filter }] });
      expect([name, answer]).toEqual([name, { matched: expected ? ['7'] : [], overBudget: [] }]);
    }
    // All of them in one call: the ids of those that match, in order.
    const filters = cases.map(([, filter]) => filter);
    const all = await sut.match({ event: matchable(event), notifications: filters.map((filter, i) => ({ id: String(i), filter })) });
    const inThread = await Promise.all(filters.map((filter) => matches(filter, event)));
    expect(all.matched).toEqual(filters.flatMap((_, i) => (inThread[i] ? [String(i)] : [])));
    expect(all.matched.length).toBeGreaterThan(0);
  });

  it("keeps the event loop free while matching a tenant's costliest filters", async () => {
    sut = new MatchWorkerPool({ workers: 1, timeoutMs: 10_000 });
    const notifications = [0, 1, 2, 3, 4].map((k) => ({ id: String(k), filter: costly(k) }));
    expect(notifications.reduce((sum, n) => sum + filterProgram(n.filter), 0)).toBeLessThanOrEqual(MAX_TENANT_PROGRAM);
    for (const n of notifications) expect(filterViolations(n.filter)).toEqual([]);
    const heavy = { ...event, summary: worstSummary };
    await sut.match({ event: matchable(heavy), notifications }); // the worker starts

    // The same work in-thread (as before) and in the worker: the share of the event loop it took.
    const share = async (work: () => Promise<unknown>) => {
      const before = performance.eventLoopUtilization();
      await work();
      return performance.eventLoopUtilization(before).utilization;
    };
    const inThread = await share(async () => {
      const clock = new MatchClock(1);
      for (let i = 0; i < 4; i++) for (const n of notifications) expect(await matches(n.filter, heavy, clock)).toBe(false);
    });
    const inWorker = await share(() => Promise.all(Array.from({ length: 4 }, () => sut.match({ event: matchable(heavy), notifications }))));
    expect(inThread).toBeGreaterThan(0.3);
    expect(inWorker).toBeLessThan(0.2);
  });

  it('skips, and names, notifications past the per-event budget (filters stored before the tenant limit)', async () => {
    sut = new MatchWorkerPool({ workers: 1, timeoutMs: 10_000 });
    const notifications = [0, 1, 2, 3, 4, 5].map((k) => ({ id: String(k), filter: costly(k) }));
    expect(notifications.reduce((sum, n) => sum + filterProgram(n.filter), 0)).toBeGreaterThan(MAX_TENANT_PROGRAM);
    // A cheap one after them still runs; one that the field checks exclude costs nothing.
    notifications.push({ id: 'cheap', filter: { ...emptyFilter(), include: ['quick'] } }, { id: 'other-type', filter: { ...costly(0), eventTypes: ['endpoint.lifecycle'] } });
    const answer = await sut.match({ event: matchable({ ...event, summary: prose.slice(0, 1024) }), notifications });
    expect(answer).toEqual({ matched: ['cheap'], overBudget: ['5'] });
  });

  describe('with a worker that hangs on some events', () => {
    let dir: string;
    beforeAll(() => {
      dir = mkdtempSync(join(tmpdir(), 'kaa-match-worker-'));
      // A stand-in at our own interface (the worker's messages): it never answers for `hang`.
      writeFileSync(
        join(dir, 'hanging.worker.mjs'),
        `import { parentPort } from 'node:worker_threads';
         parentPort.on('message', ({ seq, request }) => {
           if (request.event.summary === 'hang') for (;;);
           parentPort.postMessage({ seq, answer: { matched: request.notifications.map((n) => n.id), overBudget: [] } });
         });`,
      );
    });
    afterAll(() => rmSync(dir, { recursive: true, force: true }));

    it('cuts a hung match off, restarts the worker and goes on matching', async () => {
      sut = new MatchWorkerPool({ workers: 1, timeoutMs: 300, script: pathToFileURL(join(dir, 'hanging.worker.mjs')) });
      const call = (summary: string) => sut.match({ event: { ...matchable(event), summary }, notifications: [{ id: '1', filter: emptyFilter() }] });
      expect(await call('first')).toEqual({ matched: ['1'], overBudget: [] });
      // Queued behind the hung call: answered by the new worker once the hung one is cut off.
      const [hung, next] = await Promise.allSettled([call('hang'), call('after')]);
      expect(hung).toMatchObject({ status: 'rejected', reason: expect.any(MatchTimedOut) });
      expect((hung as PromiseRejectedResult).reason.message).toBe('matching timed out after 300 ms; the worker was restarted');
      expect(next).toEqual({ status: 'fulfilled', value: { matched: ['1'], overBudget: [] } });
      expect(await call('later')).toEqual({ matched: ['1'], overBudget: [] });
    });

    it('with more workers, a hung match holds only its own', async () => {
      sut = new MatchWorkerPool({ workers: 2, timeoutMs: 2000, script: pathToFileURL(join(dir, 'hanging.worker.mjs')) });
      const call = (summary: string) => sut.match({ event: { ...matchable(event), summary }, notifications: [{ id: '1', filter: emptyFilter() }] });
      let cutOff = false;
      const hung = call('hang').catch((error: unknown) => ((cutOff = true), error));
      for (let i = 0; i < 5; i++) expect(await call(`other ${i}`)).toEqual({ matched: ['1'], overBudget: [] });
      expect(cutOff).toBe(false); // the others were answered while it hung
      expect(await hung).toBeInstanceOf(MatchTimedOut);
    });
  });
});
