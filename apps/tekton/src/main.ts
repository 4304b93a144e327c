import 'reflect-metadata';
import { ConfigError } from '@kaa/config';
import { createTektonApp } from './app.js';
import { loadTektonEnv } from './config/env.js';

try {
  const env = loadTektonEnv();
  const app = await createTektonApp(env);
  await app.listen({ port: env.PORT, host: '0.0.0.0' });
} catch (error) {
  if (!(error instanceof ConfigError)) throw error;
  process.stderr.write(`tekton: ${error.message}\n`);
  process.exit(1);
}
