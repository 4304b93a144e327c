import 'reflect-metadata';
import { ConfigError } from '@kaa/config';
import { AppConfigFileError, FileAppConfigSource } from '@kaa/tekton-client';
import { createEcrApp } from './app.js';
import { loadEcrEnv } from './config/env.js';

let env;
try {
  env = loadEcrEnv();
  // Checked before Nest starts, so a bad file stops the process with one clear line.
  if (env.APP_CONFIG_FILE) await new FileAppConfigSource({ path: env.APP_CONFIG_FILE }).start();
} catch (error) {
  if (!(error instanceof ConfigError) && !(error instanceof AppConfigFileError)) throw error;
  process.stderr.write(`ecr: ${error.message}\n`);
  process.exit(1);
}
const app = await createEcrApp(env);
await app.listen({ port: env.PORT, host: '0.0.0.0' });
