#!/usr/bin/env node
// Posts one watch event to the watcher's mutual-TLS listener with a runtime's certificate.
// Usage: see apps/watcher/README.md ("Sender CLI") or run with --help.
import { readFileSync } from 'node:fs';
import { request } from 'node:https';
import { parseArgs } from 'node:util';

const HELP = `watch-send: post a watch event to the watcher listener over mutual TLS

  node tools/watch-send/watch-send.mjs --url https://host:8443 --component <component> \\
    (--credentials runtime.json | --cert cert.pem --key key.pem --ca ca.pem) \\
    --name <object> [--namespace <ns>] [--group <group>] --version <version> --kind <Kind> \\
    [--retries 3] [--timeout-ms 10000] [--go-keys]

  --credentials  JSON answer of POST /api/v1/runtimes (certificate, privateKey, caBundle),
                 e.g. .data/runtime.json as written by apps/watcher/README.md
  --go-keys      write Namespace/Name capitalised, as Go senders do
  --retries      retries on network errors, timeouts and 503 (same body: delivered once)
Exit status: 0 accepted (200), 1 refused, 2 usage error, 3 unreachable after retries,
4 the credentials file holds no usable certificate (e.g. an error answer saved in its place).`;

function fail(message, code = 2) {
  process.stderr.write(`watch-send: ${message}\n`);
  process.exit(code);
}

let values;
try {
  ({ values } = parseArgs({
    options: {
      url: { type: 'string' },
      component: { type: 'string' },
      credentials: { type: 'string' },
      cert: { type: 'string' },
      key: { type: 'string' },
      ca: { type: 'string' },
      name: { type: 'string' },
      namespace: { type: 'string', default: '' },
      group: { type: 'string', default: '' },
      version: { type: 'string' },
      kind: { type: 'string' },
      retries: { type: 'string', default: '3' },
      'timeout-ms': { type: 'string', default: '10000' },
      'go-keys': { type: 'boolean', default: false },
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
for (const required of ['url', 'component', 'name', 'version', 'kind']) {
  if (!values[required]) fail(`--${required} is required\n\n${HELP}`);
}

const BAD_CREDENTIALS = 4;
function read(path) {
  try {
    return readFileSync(path, 'utf8');
  } catch (error) {
    return fail(`cannot read ${path}: ${error.code === 'ENOENT' ? 'no such file' : error.message}`, BAD_CREDENTIALS);
  }
}
const isPem = (text, label) => typeof text === 'string' && text.includes(`-----BEGIN ${label}`);

/** Checked before any connection: a bad file otherwise shows up as TLS errors and "unreachable". */
function credentialsFrom(path) {
  const text = read(path);
  let creds;
  try {
    creds = JSON.parse(text);
  } catch {
    return fail(`${path} holds no certificate: it is not JSON (starts with ${JSON.stringify(text.slice(0, 60))})`, BAD_CREDENTIALS);
  }
  if (!isPem(creds?.certificate, 'CERTIFICATE') || !isPem(creds?.privateKey, '') || !isPem(creds?.caBundle, 'CERTIFICATE')) {
    const looksLikeError = creds && typeof creds === 'object' && ('statusCode' in creds || 'error' in creds || 'message' in creds);
    const summary = JSON.stringify(creds).slice(0, 200);
    return fail(
      looksLikeError
        ? `${path} holds no certificate (it looks like an error answer: ${summary}). Register the runtime again, or rotate its certificate (POST /api/v1/runtimes/{id}/certificate), and save that answer.`
        : `${path} holds no certificate: it needs certificate, privateKey and caBundle as PEM, as POST /api/v1/runtimes answers (got ${summary})`,
      BAD_CREDENTIALS,
    );
  }
  return { cert: creds.certificate, key: creds.privateKey, ca: creds.caBundle };
}

let tls;
if (values.credentials) {
  tls = credentialsFrom(values.credentials);
} else {
  if (!values.cert || !values.key || !values.ca) fail('give --credentials, or all of --cert, --key and --ca');
  tls = { cert: read(values.cert), key: read(values.key), ca: read(values.ca) };
}

const watched = values['go-keys'] ? { Namespace: values.namespace, Name: values.name } : { namespace: values.namespace, name: values.name };
const body = JSON.stringify({ watched, watchedGvk: { group: values.group, version: values.version, kind: values.kind } });
const target = new URL(`/v2/${encodeURIComponent(values.component)}/event`, values.url);
const retries = Number(values.retries);
const timeoutMs = Number(values['timeout-ms']);

function post() {
  return new Promise((resolve) => {
    const req = request(
      target,
      { method: 'POST', ...tls, timeout: timeoutMs, headers: { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) } },
      (res) => {
        let text = '';
        res.setEncoding('utf8');
        res.on('data', (chunk) => (text += chunk));
        res.on('end', () => resolve({ status: res.statusCode, text }));
      },
    );
    req.on('timeout', () => req.destroy(new Error(`no answer within ${timeoutMs} ms`)));
    req.on('error', (error) => resolve({ status: 0, text: error.message }));
    req.end(body);
  });
}

for (let attempt = 0; ; attempt++) {
  const { status, text } = await post();
  const retryable = status === 0 || status === 503;
  if (!retryable || attempt >= retries) {
    process.stdout.write(`${status || 'error'} ${text}\n`);
    process.exit(status === 200 ? 0 : retryable ? 3 : 1);
  }
  process.stderr.write(`watch-send: attempt ${attempt + 1} failed (${status || text}), retrying\n`);
  await new Promise((r) => setTimeout(r, Math.min(200 * 2 ** attempt, 5000)));
}
