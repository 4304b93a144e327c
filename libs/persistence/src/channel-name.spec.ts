import { channelName } from './data-source.js';

describe('channelName', () => {
  it('is prefix_schema while that fits in a Postgres identifier', () => {
    expect(channelName('kaa_outbox', 'tekton')).toBe('kaa_outbox_tekton');
  });

  it('stays under 64 bytes for the longest instance names, and keeps two of them apart', () => {
    const a = `a${'b'.repeat(61)}1`;
    const b = `a${'b'.repeat(61)}2`;
    expect(a).toHaveLength(63);
    for (const name of [a, b]) expect(Buffer.byteLength(channelName('kaa_outbox', name))).toBeLessThanOrEqual(63);
    expect(channelName('kaa_outbox', a)).not.toBe(channelName('kaa_outbox', b));
    expect(channelName('kaa_outbox', a)).toBe(channelName('kaa_outbox', a));
  });
});
