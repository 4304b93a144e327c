/**
 * The tenants this instance serves (`TENANTS_ALLOWED`; empty = all). REST refuses other tenants
 * in the auth guard; 6/CDTP and lifecycle handling, which carry no tenant, ignore versions owned
 * by tenants not served (see OwnershipService.servedOwner).
 */
export class TenantScope {
  constructor(readonly allowed: readonly string[]) {}

  get restricted(): boolean {
    return this.allowed.length > 0;
  }

  allows(tenantId: string): boolean {
    return !this.restricted || this.allowed.includes(tenantId);
  }
}
