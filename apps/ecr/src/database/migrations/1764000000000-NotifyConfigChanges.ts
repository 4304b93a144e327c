import type { MigrationInterface, QueryRunner } from 'typeorm';
import { quoteLiteral, schemaOf } from '@kaa/persistence';
import { configChangesChannel } from '../../configs/config-changes.js';

/**
 * Every committed change of `endpoint_config` or `default_config`, by this service or anyone else
 * with SQL access, is announced on a NOTIFY channel so that replicas can drop what they cached.
 * Statement-level triggers with transition tables send one notification per statement naming
 * what changed: `{"endpoints":[[appVersionName, endpointId], ...]}` for endpoint configs,
 * `{"versions":[appVersionName, ...]}` for defaults (every endpoint of the version may fall back
 * to one) and for statements touching more endpoints than fit, `*` for a TRUNCATE or when even
 * the versions do not fit in a notification (8000 bytes at most). NOTIFY is delivered only on
 * commit, and a statement that changes no row sends nothing.
 */
export class NotifyConfigChanges1764000000000 implements MigrationInterface {
  name = 'NotifyConfigChanges1764000000000';

  async up(q: QueryRunner) {
    const channel = quoteLiteral(configChangesChannel(schemaOf(q.connection)));
    // More than this many endpoints in one statement: the notification names their versions.
    const maxEndpoints = 100;
    // One function for both tables: PL/pgSQL plans a statement when it first runs it, so the
    // endpoint_id branch is never planned for default_config.
    await q.query(`
      CREATE FUNCTION config_changed() RETURNS trigger LANGUAGE plpgsql AS $fn$
      DECLARE
        changed jsonb;
      BEGIN
        IF TG_TABLE_NAME = 'endpoint_config' THEN
          IF TG_OP = 'INSERT' THEN
            SELECT jsonb_agg(k) INTO changed FROM (
              SELECT DISTINCT jsonb_build_array(app_version_name, endpoint_id) AS k FROM new_rows LIMIT ${maxEndpoints + 1}) s;
          ELSIF TG_OP = 'UPDATE' THEN
            SELECT jsonb_agg(k) INTO changed FROM (
              SELECT jsonb_build_array(app_version_name, endpoint_id) AS k FROM new_rows
              UNION SELECT jsonb_build_array(app_version_name, endpoint_id) FROM old_rows LIMIT ${maxEndpoints + 1}) s;
          ELSE
            SELECT jsonb_agg(k) INTO changed FROM (
              SELECT DISTINCT jsonb_build_array(app_version_name, endpoint_id) AS k FROM old_rows LIMIT ${maxEndpoints + 1}) s;
          END IF;
          IF changed IS NULL THEN
            RETURN NULL;
          END IF;
          IF jsonb_array_length(changed) <= ${maxEndpoints} AND octet_length(changed::text) < 7000 THEN
            PERFORM pg_notify(${channel}, jsonb_build_object('endpoints', changed)::text);
            RETURN NULL;
          END IF;
        END IF;
        IF TG_OP = 'INSERT' THEN
          SELECT jsonb_agg(DISTINCT app_version_name) INTO changed FROM new_rows;
        ELSIF TG_OP = 'UPDATE' THEN
          SELECT jsonb_agg(v) INTO changed FROM (SELECT app_version_name AS v FROM new_rows UNION SELECT app_version_name FROM old_rows) s;
        ELSE
          SELECT jsonb_agg(DISTINCT app_version_name) INTO changed FROM old_rows;
        END IF;
        IF changed IS NOT NULL THEN
          PERFORM pg_notify(${channel}, CASE WHEN octet_length(changed::text) < 7000 THEN jsonb_build_object('versions', changed)::text ELSE '*' END);
        END IF;
        RETURN NULL;
      END
      $fn$`);
    await q.query(`
      CREATE FUNCTION config_truncated() RETURNS trigger LANGUAGE plpgsql AS $fn$
      BEGIN
        PERFORM pg_notify(${channel}, '*');
        RETURN NULL;
      END
      $fn$`);
    for (const table of ['endpoint_config', 'default_config']) {
      await q.query(`CREATE TRIGGER ${table}_inserted AFTER INSERT ON ${table} REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION config_changed()`);
      await q.query(
        `CREATE TRIGGER ${table}_updated AFTER UPDATE ON ${table} REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION config_changed()`,
      );
      await q.query(`CREATE TRIGGER ${table}_deleted AFTER DELETE ON ${table} REFERENCING OLD TABLE AS old_rows FOR EACH STATEMENT EXECUTE FUNCTION config_changed()`);
      await q.query(`CREATE TRIGGER ${table}_truncated AFTER TRUNCATE ON ${table} FOR EACH STATEMENT EXECUTE FUNCTION config_truncated()`);
    }
  }

  async down(q: QueryRunner) {
    for (const table of ['endpoint_config', 'default_config']) {
      for (const event of ['inserted', 'updated', 'deleted', 'truncated']) await q.query(`DROP TRIGGER ${table}_${event} ON ${table}`);
    }
    await q.query('DROP FUNCTION config_truncated()');
    await q.query('DROP FUNCTION config_changed()');
  }
}
