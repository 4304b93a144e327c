import { loadEnv, requireTenantSource, serviceEnvShape } from '@kaa/config';

export const envShape = {
  ...serviceEnvShape({ port: 8081, instanceName: 'tekton' }),
};

export type TektonEnv = ReturnType<typeof loadTektonEnv>;

/** The one place that reads process.env; a bad value stops the process naming the variable. */
export function loadTektonEnv(source: NodeJS.ProcessEnv = process.env) {
  return loadEnv(envShape, source, requireTenantSource);
}
