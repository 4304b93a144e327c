import type { DataSource } from 'typeorm';
import type { Logger } from '@kaa/observability';
import { NotifiedLoop } from './notified-loop.js';

const logger = { warn: () => undefined, error: () => undefined } as unknown as Logger;

function loopWith(work: () => Promise<void>) {
  return new NotifiedLoop({ dataSource: {} as DataSource, channel: 'c', name: 'test', logger, work, nextDelayMs: () => 1000 });
}

describe('NotifiedLoop.kick', () => {
  it('resolves a kick made during a round only after a following round has run', async () => {
    const rounds: number[] = [];
    let release!: () => void;
    const sut = loopWith(async () => {
      rounds.push(rounds.length + 1);
      if (rounds.length === 1) await new Promise<void>((r) => (release = r));
    });
    const first = sut.kick();
    const second = sut.kick();
    const third = sut.kick();
    expect(second).toBe(third);
    release();
    await first;
    await second;
    expect(rounds).toEqual([1, 2]);
  });

  it('keeps going after a failed round', async () => {
    let calls = 0;
    const sut = loopWith(async () => {
      calls++;
      if (calls === 1) throw new Error('database away');
    });
    await expect(sut.kick()).resolves.toBeUndefined();
    await sut.kick();
    expect(calls).toBe(2);
  });

  it('runs nothing once stopped', async () => {
    let calls = 0;
    const sut = loopWith(async () => {
      calls++;
    });
    await sut.stop();
    await sut.kick();
    expect(calls).toBe(0);
  });
});
