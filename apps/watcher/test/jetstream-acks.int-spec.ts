import { connect, headers, type NatsConnection } from '@nats-io/transport-node';
import { jetstreamManager, type JetStreamManager } from '@nats-io/jetstream';
import { testNatsUrl, uniqueName } from '@kaa/testing';
import { JetStreamAcks } from '../src/messaging/jetstream-acks.js';

const data = (text: string) => new TextEncoder().encode(text);

describe('JetStream publishes acknowledged on one inbox', () => {
  let nc: NatsConnection;
  let jsm: JetStreamManager;
  let acks: JetStreamAcks;
  const stream = uniqueName('ACKS').toUpperCase().replace(/[^A-Z0-9_]/g, '_');
  const subject = `${stream.toLowerCase()}.events`;

  beforeAll(async () => {
    nc = await connect({ servers: testNatsUrl() });
    jsm = await jetstreamManager(nc);
    await jsm.streams.add({ name: stream, subjects: [subject], duplicate_window: 60_000_000_000 });
    acks = new JetStreamAcks(nc, 2000);
  });

  afterAll(async () => {
    acks?.close();
    await jsm?.streams.delete(stream).catch(() => undefined);
    await nc?.close();
  });

  it('settles each of many publishes sent in one turn with its own acknowledgement', async () => {
    const published = await Promise.all(Array.from({ length: 50 }, (_, i) => acks.publish(subject, data(`event ${i}`), `many-${i}`, headers())));
    expect(published.every((ack) => ack.stream === stream && !ack.duplicate)).toBe(true);
    expect(new Set(published.map((ack) => ack.seq)).size).toBe(50);
    const stored = await jsm.streams.getMessage(stream, { seq: published[7].seq });
    expect(stored?.string()).toBe('event 7');
    expect(stored?.header.get('Nats-Msg-Id')).toBe('many-7');
  });

  it('reports a message id seen within the duplicate window as a duplicate, stored once', async () => {
    const before = (await jsm.streams.info(stream)).state.messages;
    const [first, again] = await Promise.all([acks.publish(subject, data('once'), 'dup-1', headers()), acks.publish(subject, data('once'), 'dup-1', headers())]);
    expect([first.duplicate, again.duplicate].sort()).toEqual([false, true]);
    expect((await jsm.streams.info(stream)).state.messages).toBe(before + 1);
  });

  it('rejects a publish that no stream takes instead of waiting for its time-out', async () => {
    await expect(acks.publish(`${subject}-nobody`, data('lost'), 'nobody-1', headers())).rejects.toThrow(/JetStream did not take the message \(503/);
  });

  it('rejects every waiting publish when closed', async () => {
    const own = new JetStreamAcks(nc, 60_000);
    const waiting = own.publish(`${subject}-nobody`, data('x'), 'closed-1', headers());
    own.close();
    await expect(waiting).rejects.toThrow(/closed/);
  });
});
