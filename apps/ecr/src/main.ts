import 'reflect-metadata';
import { ConfigError } from '@kaa/config';
import { AppConfigFileError } from '@kaa/tekton-client';
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
let app;
try {
  app = await createEcrApp(env);
} catch (error) {
  if (!(error instanceof AppConfigFileError)) throw error;
  process.stderr.write(`ecr: ${error.message}\n`);
  process.exit(1);
}
await app.listen({ port: env.PORT, host: '0.0.0.0' });
