import { loadEnv, requireTenantSource, serviceEnvShape } from '@kaa/config';

export const envShape = {
  ...serviceEnvShape({ port: 8083, instanceName: 'watcher' }),
};

export type WatcherEnv = ReturnType<typeof loadWatcherEnv>;

/** The one place that reads process.env; a bad value stops the process naming the variable. */
export function loadWatcherEnv(source: NodeJS.ProcessEnv = process.env) {
  return loadEnv(envShape, source, requireTenantSource);
}
