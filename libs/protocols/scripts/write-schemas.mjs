// Build step: writes every message schema of the catalogue to dist/schemas/<avro full name>.avsc,
// plus index.json (message, protocol, subject, file), so teams in any language can generate
// their own classes from the package. Runs after tsc (it reads the compiled catalogue).
import { mkdir, rm, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const dist = join(dirname(fileURLToPath(import.meta.url)), '..', 'dist');
const { messageCatalogue } = await import(join(dist, 'index.js'));
const out = join(dist, 'schemas');
await rm(out, { recursive: true, force: true });
await mkdir(out, { recursive: true });

const index = [];
for (const [key, message] of Object.entries(messageCatalogue)) {
  const file = `${message.schemaName}.avsc`;
  await writeFile(join(out, file), `${JSON.stringify(message.schema, null, 2)}\n`);
  index.push({ key, message: message.name, protocol: message.protocol, subject: message.subject, schema: file, referenceSchemaFile: message.referenceSchemaFile });
}
await writeFile(join(out, 'index.json'), `${JSON.stringify(index, null, 2)}\n`);
