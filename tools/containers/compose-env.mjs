// Writes the .env docker-compose reads (README "Containers"): random secrets for everything
// docker-compose.yml requires. Values already in the file are kept, so running it again only adds
// what is missing and never changes a password a volume was initialised with.
//
//   node tools/containers/compose-env.mjs [--file .env]
import { randomBytes } from 'node:crypto';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';

const root = fileURLToPath(new URL('../..', import.meta.url));

// nats-server parses a substituted password as a config value: one that reads as a number stops it,
// so every generated value starts with letters (and is hex after that: safe in URLs and shells).
const secret = (prefix) => `${prefix}-${randomBytes(24).toString('hex')}`;

/** Every variable docker-compose.yml requires, with how to make a value and what it is for. */
export const COMPOSE_SECRETS = [
  ['POSTGRES_PASSWORD', 'pg', "Postgres user kaa's password (fixed when the postgres-data volume is first made)"],
  ['SECRETS_ENCRYPTION_KEY', 'key', "tekton's key for the integration secrets it stores"],
  ['WATCHER_CA_KEY_SECRET', 'key', "watcher's key for its CA's private key"],
  ['KAA_ECR_CLIENT_SECRET', 'ecr', "ECR's OAuth client secret (the dev issuer's client ecr)"],
  ['DEV_CLIENT_SECRET', 'dev', 'client "dev" of the dev issuer (profile dev): tokens with every scope'],
  ...['TEKTON', 'ECR', 'WATCHER', 'DELIVERY', 'LIFECYCLE', 'ADMIN'].map((user) => [`NATS_${user}_PASSWORD`, 'pw', `NATS user ${user.toLowerCase()}'s password`]),
];

/** Adds the missing variables to the env file; returns the names it added. */
export function writeComposeEnv(file) {
  const text = existsSync(file) ? readFileSync(file, 'utf8') : '';
  const present = new Set([...text.matchAll(/^\s*(?:export\s+)?([A-Za-z_][A-Za-z0-9_]*)\s*=\s*\S/gm)].map((m) => m[1]));
  const added = COMPOSE_SECRETS.filter(([name]) => !present.has(name));
  if (added.length === 0) return [];
  const lines = added.map(([name, prefix, what]) => `# ${what}\n${name}=${secret(prefix)}`);
  const header = text ? '' : '# docker-compose.yml reads this file (git-ignored). Made by node tools/containers/compose-env.mjs.\n';
  writeFileSync(file, `${text}${text && !text.endsWith('\n') ? '\n' : ''}${header}${lines.join('\n')}\n`, { mode: 0o600 });
  return added.map(([name]) => name);
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const { values } = parseArgs({ options: { file: { type: 'string', default: join(root, '.env') } } });
  const added = writeComposeEnv(values.file);
  console.log(added.length ? `${values.file}: added ${added.join(', ')}` : `${values.file}: every secret is already set`);
}
