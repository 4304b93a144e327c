import 'reflect-metadata';
import { ConfigError } from '@kaa/config';
import { createWatcherApp } from './app.js';
import { loadWatcherEnv } from './config/env.js';

function stopOnConfigError(error: unknown): never {
  if (!(error instanceof ConfigError)) throw error;
  process.stderr.write(`watcher: ${error.message}\n`);
  process.exit(1);
}

let env;
try {
  env = loadWatcherEnv();
} catch (error) {
  stopOnConfigError(error);
}
try {
  const app = await createWatcherApp(env);
  await app.listen({ port: env.PORT, host: '0.0.0.0' });
} catch (error) {
  // A CA key that does not decrypt with WATCHER_CA_KEY_SECRET surfaces here.
  stopOnConfigError(error);
}
