import 'reflect-metadata';
import { ConfigError } from '@kaa/config';
import { createWatcherApp } from './app.js';
import { loadWatcherEnv } from './config/env.js';

let env;
try {
  env = loadWatcherEnv();
} catch (error) {
  if (!(error instanceof ConfigError)) throw error;
  process.stderr.write(`watcher: ${error.message}\n`);
  process.exit(1);
}
const app = await createWatcherApp(env);
await app.listen({ port: env.PORT, host: '0.0.0.0' });
