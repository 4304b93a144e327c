// libs/protocols/asyncapi.yaml (AsyncAPI 3, every NATS channel of the platform) is generated from
// the protocols catalogue: it must be what the generator gives, valid for the AsyncAPI parser
// (Avro payloads included), and say for each catalogue message what the catalogue says.
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parse } from 'yaml';
import { messageCatalogue } from '@kaa/protocols';

const root = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
const file = join(root, 'libs/protocols/asyncapi.yaml');

interface Diagnostic {
  severity: number;
  code: string | number;
  message: string;
  path: (string | number)[];
}
interface AsyncApiParser {
  parse(document: string): Promise<{ document?: unknown; diagnostics: Diagnostic[] }>;
}
interface SchemaParser {
  validate(input: { data: unknown; schemaFormat: string; path: string[] }): Promise<{ message: string }[]>;
}
// require(): the tools are CommonJS, and may come from NODE_PATH in a development checkout.
const require = createRequire(join(root, 'package.json'));
const avroSchemaParser = () => (require('@asyncapi/avro-schema-parser') as { AvroSchemaParser: () => SchemaParser }).AvroSchemaParser();
function parser(): AsyncApiParser {
  const { Parser } = require('@asyncapi/parser') as { Parser: new (options: unknown) => AsyncApiParser };
  return new Parser({ schemaParsers: [avroSchemaParser()] });
}
/** The parser reads Avro payloads but lets a bad one through; its Avro plugin's validate() does not. */
async function avroProblems(document: Document) {
  const found: string[] = [];
  for (const [name, message] of Object.entries(document.components.messages)) {
    for (const problem of await avroSchemaParser().validate({ data: message.payload.schema, schemaFormat: message.payload.schemaFormat, path: [name] })) found.push(`${name}: ${problem.message}`);
  }
  return found;
}
// 0 error, 1 warning; hints (asyncapi 3.0 rather than the latest 3.x) are fine.
const problems = (diagnostics: Diagnostic[]) => diagnostics.filter((d) => d.severity <= 1).map((d) => `${d.code}: ${d.message} at ${d.path.join('.')}`);

interface Channel {
  address: string;
  messages: Record<string, { $ref: string }>;
  'x-producer': string;
  'x-consumers': string[];
  'x-protocol': string;
}
interface Document {
  channels: Record<string, Channel>;
  operations: Record<string, { action: string; channel: { $ref: string }; reply?: { channel: { $ref: string } } }>;
  components: { messages: Record<string, { payload: { schemaFormat: string; schema: unknown } }> };
}

describe('the AsyncAPI document of the NATS channels', () => {
  const text = readFileSync(file, 'utf8');
  const document = parse(text) as Document;

  it('is what the generator makes of the catalogue (regenerate: node tools/packages/asyncapi.mjs)', () => {
    const result = spawnSync(process.execPath, [join(root, 'tools/packages/asyncapi.mjs'), '--check'], { cwd: root, encoding: 'utf8' });
    expect(result.stderr).toBe('');
    expect(result.status).toBe(0);
  });

  it('is valid AsyncAPI 3 with valid Avro payload schemas', async () => {
    const { document: parsed, diagnostics } = await parser().parse(text);
    expect(problems(diagnostics)).toEqual([]);
    expect(parsed).toBeDefined();
    expect(await avroProblems(document)).toEqual([]);
  });

  it('would be refused with a wrong operation or a payload that is not Avro (the checks can fail)', async () => {
    const wrongAction = text.replace('action: send', 'action: publish');
    expect(wrongAction).not.toBe(text);
    expect(problems((await parser().parse(wrongAction)).diagnostics).length).toBeGreaterThan(0);
    const notAvro = text.replace('type: long', 'type: lnog');
    expect(notAvro).not.toBe(text);
    expect((await avroProblems(parse(notAvro) as Document)).length).toBeGreaterThan(0);
  });

  it('has one channel per catalogue message, with its subject, producer, consumers and schema', () => {
    expect(Object.keys(document.channels).sort()).toEqual(Object.keys(messageCatalogue).sort());
    for (const [key, message] of Object.entries(messageCatalogue)) {
      const channel = document.channels[key];
      expect({ key, address: channel.address.replace('{action}', '{upsert|delete}'), producer: channel['x-producer'], consumers: channel['x-consumers'], protocol: channel['x-protocol'] }).toEqual({
        key,
        address: message.subject,
        producer: message.producer,
        consumers: message.consumers,
        protocol: message.protocol,
      });
      expect(channel.messages[message.name]).toEqual({ $ref: `#/components/messages/${message.name}` });
      expect(document.components.messages[message.name].payload).toEqual({ schemaFormat: 'application/vnd.apache.avro;version=1.9.0', schema: JSON.parse(JSON.stringify(message.schema)) });
    }
  });

  it('describes 6/CDTP as request/reply: ecr receives ConfigRequest and replies with ConfigResponse', () => {
    expect(document.operations['ecr.receive.configRequest']).toMatchObject({ action: 'receive', channel: { $ref: '#/channels/configRequest' }, reply: { channel: { $ref: '#/channels/configResponse' } } });
    expect(document.operations['tekton.send.broadcastConfigurationUpdateEvent']).toMatchObject({ action: 'send' });
    expect(document.operations['watcher.send.watchEvent']).toMatchObject({ action: 'send' });
  });
});
