import { TektonScopes, type AuthUser } from '@kaa/auth';

/** The tenant whose service accounts may read every tenant's configs (PLATFORM_TENANT). */
export class PlatformTenant {
  constructor(readonly id: string) {}
}

export const CROSS_TENANT_READ_SCOPES = [TektonScopes.platformApplicationRead, TektonScopes.platformTenantConfigRead] as const;

/** Whether the caller may read configs of tenants other than its own. */
export function readsAllTenants(user: AuthUser, platform: PlatformTenant): boolean {
  return user.tenantId === platform.id && CROSS_TENANT_READ_SCOPES.some((scope) => user.scopes.has(scope));
}
