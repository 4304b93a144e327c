import type { EntityManager } from 'typeorm';
import { notFound } from '@kaa/server';

/**
 * Names are installation-wide unique, so an app version or endpoint that already has rows of
 * another tenant belongs to that tenant: 404, as if it did not exist.
 */
export async function assertOwnedBy(manager: EntityManager, tenantId: string, appVersionName: string, endpointIds: string[]): Promise<void> {
  const [foreign] = await manager.query(
    `SELECT 1 FROM default_config WHERE app_version_name = $1 AND tenant_id <> $2
     UNION ALL
     SELECT 1 FROM endpoint_config WHERE (app_version_name = $1 OR endpoint_id = ANY($3::text[])) AND tenant_id <> $2
     LIMIT 1`,
    [appVersionName, tenantId, endpointIds],
  );
  if (foreign) throw notFound(endpointIds.length > 0 ? `endpoint or app version ${appVersionName} not found` : `app version ${appVersionName} not found`);
}
