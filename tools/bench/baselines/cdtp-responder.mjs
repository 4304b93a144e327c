// Baseline for 6/CDTP pull: a plain Node NATS responder that answers every request on SUBJECT with
// the same bytes (RESPONSE_BYTES long), without decoding anything. Prints "ready" once subscribed.
import { connect } from '@nats-io/transport-node';

const subject = process.env.SUBJECT;
const size = Number(process.env.RESPONSE_BYTES ?? 1100);
if (!subject) throw new Error('SUBJECT is required');
const nc = await connect({ servers: process.env.NATS_URL, name: 'bench-cdtp-baseline' });
const reply = new Uint8Array(size).fill(0x61);
nc.subscribe(subject, {
  callback: (err, msg) => {
    if (!err) msg.respond(reply);
  },
});
await nc.flush();
console.log('ready');
const stop = () => nc.drain().finally(() => process.exit(0));
process.on('SIGTERM', stop);
process.on('SIGINT', stop);
