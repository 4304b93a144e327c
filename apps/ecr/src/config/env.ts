import { loadEnv, requireTenantSource, serviceEnvShape } from '@kaa/config';

export const envShape = {
  ...serviceEnvShape({ port: 8082, instanceName: 'ecr' }),
};

export type EcrEnv = ReturnType<typeof loadEcrEnv>;

/** The one place that reads process.env; a bad value stops the process naming the variable. */
export function loadEcrEnv(source: NodeJS.ProcessEnv = process.env) {
  return loadEnv(envShape, source, requireTenantSource);
}
