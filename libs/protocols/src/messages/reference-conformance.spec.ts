import avro from 'avsc';
import type { Type } from 'avsc';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createAvroType } from '../avro/codec.js';
import { messageCatalogue, type MessageKey } from '../catalogue.js';
import { readReferenceSchema } from '../__fixtures__/reference-schemas.js';
import { samples } from '../__fixtures__/samples.js';

const GOLDEN_FILE = join(dirname(fileURLToPath(import.meta.url)), '../__golden__/messages.json');
const VARIANTS = ['full', 'minimal'] as const;

type Codec = { encode(m: unknown): Uint8Array; decode(b: Uint8Array): unknown };

const entries = Object.entries(messageCatalogue) as [MessageKey, (typeof messageCatalogue)[MessageKey]][];
const rfcEntries = entries.filter(([, m]) => m.referenceSchemaFile !== null);

/** avsc encodes `bytes` only from Buffer. */
function forAvsc(message: Record<string, unknown>): Record<string, unknown> {
  return Object.fromEntries(
    Object.entries(message).map(([k, v]) => [k, v instanceof Uint8Array && !Buffer.isBuffer(v) ? Buffer.from(v) : v]),
  );
}

function stripDocs(schema: unknown): unknown {
  if (Array.isArray(schema)) return schema.map(stripDocs);
  if (schema !== null && typeof schema === 'object') {
    return Object.fromEntries(Object.entries(schema).filter(([k]) => k !== 'doc').map(([k, v]) => [k, stripDocs(v)]));
  }
  return schema;
}

/** Golden bytes: written once from the REFERENCE schema (ours for WatchEvent) with KAA_UPDATE_GOLDEN=1. */
function loadGolden(): Record<string, string> {
  if (process.env['KAA_UPDATE_GOLDEN'] === '1') {
    const golden: Record<string, string> = {};
    for (const [key, m] of entries) {
      const type: Type = m.referenceSchemaFile
        ? avro.Type.forSchema(readReferenceSchema(m.referenceSchemaFile) as never)
        : createAvroType(m.schema);
      for (const variant of VARIANTS) {
        golden[`${key}.${variant}`] = type.toBuffer(forAvsc(samples[key][variant])).toString('hex');
      }
    }
    writeFileSync(GOLDEN_FILE, `${JSON.stringify(golden, null, 2)}\n`);
  }
  if (!existsSync(GOLDEN_FILE)) throw new Error(`${GOLDEN_FILE} missing; run once with KAA_UPDATE_GOLDEN=1`);
  return JSON.parse(readFileSync(GOLDEN_FILE, 'utf8')) as Record<string, string>;
}

const golden = loadGolden();

describe.each(rfcEntries)('%s against its Kaa RFC reference schema', (key, m) => {
  const reference = avro.Type.forSchema(readReferenceSchema(m.referenceSchemaFile!) as never);
  const ours = createAvroType(m.schema);
  const codec = m.codec as Codec;

  it('has the same Parsing Canonical Form', () => {
    expect(JSON.stringify(ours.schema())).toBe(JSON.stringify(reference.schema()));
    expect(ours.fingerprint('sha256').toString('hex')).toBe(reference.fingerprint('sha256').toString('hex'));
  });

  it('has the same defaults and field order (which the canonical form drops)', () => {
    expect(stripDocs(ours.schema({ exportAttrs: true }))).toEqual(stripDocs(reference.schema({ exportAttrs: true })));
  });

  describe.each(VARIANTS)('the %s sample', (variant) => {
    const sample = samples[key][variant];
    const input = variant === 'full' ? sample : samples[key].minimalInput;

    it('encoded by us decodes with the reference schema, every field intact', () => {
      expect(reference.fromBuffer(Buffer.from(codec.encode(input)))).toEqual(forAvsc(sample));
    });

    it('encoded with the reference schema decodes with ours', () => {
      expect(codec.decode(reference.toBuffer(forAvsc(sample)))).toEqual(sample);
    });

    it('matches the golden bytes byte for byte', () => {
      const expected = golden[`${key}.${variant}`];
      expect(expected).toBeDefined();
      expect(Buffer.from(codec.encode(input)).toString('hex')).toBe(expected);
      expect(codec.decode(Buffer.from(expected!, 'hex'))).toEqual(sample);
    });
  });
});

describe('WatchEvent (our own schema)', () => {
  const codec = messageCatalogue.watchEvent.codec as Codec;

  it.each(VARIANTS)('round-trips the %s sample and matches its golden bytes', (variant) => {
    const sample = samples.watchEvent[variant];
    const input = variant === 'full' ? sample : samples.watchEvent.minimalInput;
    const encoded = codec.encode(input);
    expect(codec.decode(encoded)).toEqual(sample);
    expect(Buffer.from(encoded).toString('hex')).toBe(golden[`watchEvent.${variant}`]);
  });

  it('keeps the field set the watcher and listeners agree on', () => {
    expect(messageCatalogue.watchEvent.schema.fields.map((f) => f.name)).toEqual([
      'correlationId',
      'timestamp',
      'timeout',
      'originatorReplicaId',
      'runtimeId',
      'component',
      'watchedNamespace',
      'watchedName',
      'group',
      'version',
      'kind',
      'eventId',
    ]);
  });
});

it('covers all 12 reference schemas in the kaa-rfcs folder', () => {
  expect(new Set(rfcEntries.map(([, m]) => m.referenceSchemaFile)).size).toBe(12);
});
