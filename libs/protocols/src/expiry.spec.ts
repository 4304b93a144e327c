import { isExpired } from './expiry.js';

describe('isExpired', () => {
  const now = 1_000_000;

  it('never expires a message with timeout 0 or no timeout', () => {
    expect(isExpired({ timestamp: 0, timeout: 0 }, now)).toBe(false);
    expect(isExpired({ timestamp: 0 }, now)).toBe(false);
  });

  it('expires once timestamp + timeout is in the past', () => {
    expect(isExpired({ timestamp: now - 1001, timeout: 1000 }, now)).toBe(true);
  });

  it('keeps a message up to and including its deadline', () => {
    expect(isExpired({ timestamp: now - 1000, timeout: 1000 }, now)).toBe(false);
    expect(isExpired({ timestamp: now, timeout: 1 }, now)).toBe(false);
  });

  it('defaults to the current time', () => {
    expect(isExpired({ timestamp: Date.now() - 10_000, timeout: 1 })).toBe(true);
    expect(isExpired({ timestamp: Date.now(), timeout: 60_000 })).toBe(false);
  });
});
