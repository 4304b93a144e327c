#!/usr/bin/env node
// Asks ecr for a device's configuration the way a delivery service (e.g. Kaa CMX) does: a 6/CDTP
// ConfigRequest over NATS request/reply, Avro-encoded with @kaa/protocols (built: npm run build).
// Usage: see apps/ecr/README.md ("6/CDTP from the command line") or run with --help.
import { randomUUID } from 'node:crypto';
import { parseArgs } from 'node:util';

const HELP = `cdtp-pull: ask ecr for an endpoint's configuration over 6/CDTP (NATS request/reply)

  npm run cdtp-pull -- --endpoint <endpointId> --app-version <appVersionName> \\
    [--name <configName>] [--config-id <id the device has>] [--ecr-instance ecr] \\
    [--nats-url nats://127.0.0.1:4222] [--timeout-ms 5000]

  --nats-url      default: NATS_URL, else nats://127.0.0.1:4222 (npm start prints the URL it uses);
                  NATS_USER/NATS_PASSWORD or NATS_TOKEN authenticate when set
  --ecr-instance  ecr's SERVICE_INSTANCE_NAME (default ecr): the request subject derives from it
  --config-id     the id the device already has: ecr answers 200 Not changed, without content, if it is current
Prints the answer: status, configId, contentType and the configuration.
Exit status: 0 answered 200, 1 answered another status, 2 usage error, 3 no answer.`;

function fail(message, code = 2) {
  process.stderr.write(`cdtp-pull: ${message}\n`);
  process.exit(code);
}

let values;
try {
  ({ values } = parseArgs({
    options: {
      endpoint: { type: 'string' },
      'app-version': { type: 'string' },
      name: { type: 'string' },
      'config-id': { type: 'string' },
      'ecr-instance': { type: 'string', default: 'ecr' },
      'nats-url': { type: 'string', default: process.env.NATS_URL || 'nats://127.0.0.1:4222' },
      'timeout-ms': { type: 'string', default: '5000' },
      help: { type: 'boolean', default: false },
    },
  }));
} catch (error) {
  fail(`${error.message}\n\n${HELP}`);
}
if (values.help) {
  process.stdout.write(`${HELP}\n`);
  process.exit(0);
}
for (const required of ['endpoint', 'app-version']) {
  if (!values[required]) fail(`--${required} is required\n\n${HELP}`);
}
const timeoutMs = Number(values['timeout-ms']);
if (!Number.isInteger(timeoutMs) || timeoutMs < 1) fail(`--timeout-ms must be a positive integer, got ${values['timeout-ms']}`);

let protocols;
try {
  protocols = await import('@kaa/protocols');
} catch (error) {
  fail(`cannot load @kaa/protocols (${error.message}); build it first: npm run build`);
}
const { cdtp, configRequestCodec, configResponseCodec } = protocols;
const { connect } = await import('@nats-io/transport-node');

const auth = process.env.NATS_TOKEN
  ? { token: process.env.NATS_TOKEN }
  : process.env.NATS_USER
    ? { user: process.env.NATS_USER, pass: process.env.NATS_PASSWORD }
    : {};
let nc;
try {
  nc = await connect({ servers: values['nats-url'].split(','), timeout: timeoutMs, reconnect: false, name: 'kaa-cdtp-pull', ...auth });
} catch (error) {
  fail(`cannot connect to NATS at ${values['nats-url']} (${error.message}); set --nats-url or NATS_URL to the URL npm start printed`, 3);
}

const subject = cdtp.request(values['ecr-instance']);
const request = {
  correlationId: randomUUID(),
  timestamp: Date.now(),
  timeout: timeoutMs,
  appVersionName: values['app-version'],
  endpointId: values.endpoint,
  configId: values['config-id'] ?? null,
  configName: values.name ?? null,
};
let answer;
try {
  const reply = await nc.request(subject, configRequestCodec.encode(request), { timeout: timeoutMs });
  answer = configResponseCodec.decode(reply.data);
} catch (error) {
  await nc.close();
  const why = /no responders/i.test(error.message) ? `nothing listens on ${subject} (is ecr running, with --ecr-instance ${values['ecr-instance']}?)` : error.message;
  fail(`no answer from ecr: ${why}`, 3);
}
await nc.close();

const lines = [`status ${answer.statusCode}${answer.reasonPhrase ? ` ${answer.reasonPhrase}` : ''}`];
if (answer.configId) lines.push(`configId ${answer.configId}`);
if (answer.content) {
  const text = Buffer.from(answer.content).toString('utf8');
  lines.push(`contentType ${answer.contentType}`);
  let shown = text;
  try {
    shown = JSON.stringify(JSON.parse(text));
  } catch {
    /* not JSON: as it came */
  }
  lines.push(`config ${shown}`);
}
process.stdout.write(`${lines.join('\n')}\n`);
process.exit(answer.statusCode === 200 ? 0 : 1);
