export { AuthModule, type AuthModuleOptions } from './auth.module.js';
export { CurrentTenant, CurrentUser, REQUIRED_SCOPES, RequireScopes, type AuthUser } from './auth-user.js';
export { ClientCredentialsTokenSource, TokenRequestError, type ClientCredentials } from './client-credentials.js';
export { ScopesGuard, createJwtAuthGuard } from './guards.js';
export { ACCEPTED_ALGORITHMS, AuthOptions, authSettingsFromEnv, createJwtStrategy } from './jwt.strategy.js';
export { VerifiedTokenCache } from './verified-token-cache.js';
export { TenantRegistry, TenantSourceError, tenantSourceFromEnv, type Tenant, type TenantSource } from './tenant-registry.js';
export { Public } from '@kaa/observability';
