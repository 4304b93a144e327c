export { ConfigError, INSTANCE_NAME_PATTERN, env, loadEnv, natsCredentialsEnvShape, requireConsistentNatsCredentials, requireTenantSource, serviceEnvShape } from './env.js';
