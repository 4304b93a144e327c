/**
 * Every OAuth scope the services check, defined once, per service. This file imports nothing, so
 * `npm start` (tools/dev/start.mjs) reads ALL_SCOPES from its build output for the demo token.
 */
export const TektonScopes = {
  applicationCreate: 'tenant:application:create',
  applicationRead: 'application:read',
  applicationUpdate: 'application:update',
  applicationDelete: 'application:delete',
  /** Platform service accounts (ECR): with PLATFORM_TENANT, reads every tenant's configs. */
  platformApplicationRead: 'kaa:application:read',
  platformApplicationUpdate: 'kaa:application:update',
  platformTenantConfigRead: 'kaa:tenant:configuration:read',
  integrationRead: 'integration:read',
  integrationUpdate: 'integration:update',
} as const;

export const EcrScopes = {
  endpointRead: 'endpoint:read',
  endpointUpdate: 'endpoint:update',
  endpointDelete: 'endpoint:delete',
  defaultConfigRead: 'application:endpoint-config:read',
  defaultConfigUpdate: 'application:endpoint-config:update',
  defaultConfigDelete: 'application:endpoint-config:delete',
  /** Tenant-level system configurations (`/system/tenants/{tenantId}/configs`). */
  tenantConfigRead: 'tenant:configuration:read',
  tenantConfigUpdate: 'tenant:configuration:update',
  tenantConfigDelete: 'tenant:configuration:delete',
} as const;

export const WatcherScopes = {
  read: 'watcher:read',
  update: 'watcher:update',
  /** Installation-wide CA operations (rotation); only with a token of PLATFORM_TENANT. */
  admin: 'watcher:admin',
} as const;

const values = <T extends Record<string, string>>(scopes: T) => Object.values(scopes) as T[keyof T][];

/** Every scope of every service, for development tokens and tests. */
export const ALL_SCOPES: readonly string[] = [...new Set([...values(TektonScopes), ...values(EcrScopes), ...values(WatcherScopes)])];
