/**
 * The tenants this instance serves (`TENANTS_ALLOWED`; empty = all). REST refuses other tenants
 * in the auth guard; 6/CDTP and lifecycle handling, which carry no tenant, ignore rows of others.
 */
export class TenantScope {
  constructor(readonly allowed: readonly string[]) {}

  get restricted(): boolean {
    return this.allowed.length > 0;
  }

  allows(tenantId: string): boolean {
    return !this.restricted || this.allowed.includes(tenantId);
  }

  /**
   * SQL condition on a `tenant_id` column, with its parameter appended to `params`.
   * Returns `TRUE` when every tenant is served.
   */
  condition(column: string, params: unknown[]): string {
    if (!this.restricted) return 'TRUE';
    params.push([...this.allowed]);
    return `${column} = ANY($${params.length}::text[])`;
  }
}
