import type { AuthUser } from '@kaa/auth';
import { DomainError } from '@kaa/server';

/** The tenant whose service accounts may read every tenant's configs (PLATFORM_TENANT). */
export class PlatformTenant {
  constructor(readonly id: string) {}
}

export const CROSS_TENANT_READ_SCOPES = ['kaa:application:read', 'kaa:tenant:configuration:read'] as const;

/** 403 unless the token carries at least one of `scopes`. */
export function requireAnyScope(user: AuthUser, scopes: readonly string[]) {
  if (!scopes.some((scope) => user.scopes.has(scope))) throw new DomainError('FORBIDDEN', `missing scope: one of ${scopes.join(', ')}`);
}

/** Whether the caller may read configs of tenants other than its own. */
export function readsAllTenants(user: AuthUser, platform: PlatformTenant): boolean {
  return user.tenantId === platform.id && CROSS_TENANT_READ_SCOPES.some((scope) => user.scopes.has(scope));
}
