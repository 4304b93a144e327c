import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { messageCatalogue, renderSubjectCatalogue } from './catalogue.js';
import { parseSubject } from './subjects/parse.js';
import { referenceSchemaDir } from './__fixtures__/reference-schemas.js';

const README = join(dirname(fileURLToPath(import.meta.url)), '../README.md');

describe('messageCatalogue', () => {
  const messages = Object.values(messageCatalogue);

  it('lists every reference schema in the kaa-rfcs folder exactly once', () => {
    const files = readdirSync(referenceSchemaDir()).filter((f) => f.endsWith('.avsc'));
    expect(files).toHaveLength(12);
    expect(messages.map((m) => m.referenceSchemaFile).filter((f) => f !== null).sort()).toEqual([...files].sort());
  });

  it('gives every message a distinct, parseable subject and a full schema name', () => {
    expect(new Set(messages.map((m) => m.subject)).size).toBe(messages.length);
    for (const m of messages) {
      expect(() => parseSubject(m.subject)).not.toThrow();
      expect(m.schemaName).toBe(`${m.schema.namespace}.${m.schema.name}`);
      expect(m.consumers.length).toBeGreaterThan(0);
    }
  });

  it('is what the README documents', () => {
    expect(readFileSync(README, 'utf8')).toContain(renderSubjectCatalogue());
  });
});
