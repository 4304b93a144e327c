import 'reflect-metadata';
import { ConfigError } from '@kaa/config';
import { createEcrApp } from './app.js';
import { loadEcrEnv } from './config/env.js';

let env;
try {
  env = loadEcrEnv();
} catch (error) {
  if (!(error instanceof ConfigError)) throw error;
  process.stderr.write(`ecr: ${error.message}\n`);
  process.exit(1);
}
const app = await createEcrApp(env);
await app.listen({ port: env.PORT, host: '0.0.0.0' });
