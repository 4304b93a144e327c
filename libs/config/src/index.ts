export { ConfigError, INSTANCE_NAME_PATTERN, env, loadEnv, requireTenantSource, serviceEnvShape } from './env.js';
