import { validationFailed, type Violation } from '@kaa/server';
import { pointer } from '../service-instances/service-instance.registry.js';

/**
 * The nested layouts Kaa's clients send and read:
 * `{instance: {kaa: {applications: {app: {...app keys, versions: {version: {...}}}}}}}` and
 * `{instance: {kaa: {tenants: {tenantId: {config: {...}}}}}}`.
 */
export type Json = Record<string, unknown>;

export const isObject = (value: unknown): value is Json => value !== null && typeof value === 'object' && !Array.isArray(value);

export interface AppEntry {
  instance: string;
  appName: string;
  /** Undefined when the body carries no app-level keys for this app. */
  appConfig?: Json;
  versions: { name: string; config: Json; at: string }[];
  at: string;
}

export interface TenantEntry {
  instance: string;
  tenantId: string;
  config: Json;
  at: string;
}

class ShapeChecker {
  readonly violations: Violation[] = [];

  object(value: unknown, at: string, what: string): Json | undefined {
    if (isObject(value)) return value;
    this.violations.push({ pointer: at || '/', message: `${what} must be a JSON object` });
    return undefined;
  }

  done() {
    if (this.violations.length > 0) throw validationFailed('request body does not have the expected layout', this.violations);
  }
}

/** Reads `{instance: {kaa: {applications: {...}}}}`; app values may be null (nothing to store). */
export function readAppDocument(body: unknown): AppEntry[] {
  const check = new ShapeChecker();
  const entries: AppEntry[] = [];
  const root = check.object(body, '', 'the body');
  for (const [instance, instanceValue] of Object.entries(root ?? {})) {
    const kaa = check.object(check.object(instanceValue, pointer(instance), 'a service instance entry')?.kaa, pointer(instance, 'kaa'), '"kaa"');
    const apps = check.object(kaa?.applications, pointer(instance, 'kaa', 'applications'), '"applications"');
    for (const [appName, appValue] of Object.entries(apps ?? {})) {
      const at = pointer(instance, 'kaa', 'applications', appName);
      if (appValue === null) {
        entries.push({ instance, appName, versions: [], at });
        continue;
      }
      const app = check.object(appValue, at, 'an application entry');
      if (!app) continue;
      const { versions, ...appKeys } = app;
      const entry: AppEntry = { instance, appName, versions: [], at, appConfig: Object.keys(appKeys).length > 0 || versions === undefined ? appKeys : undefined };
      if (versions !== undefined) {
        const versionMap = check.object(versions, `${at}/versions`, '"versions"');
        for (const [name, config] of Object.entries(versionMap ?? {})) {
          const versionAt = `${at}/versions/${pointer(name).slice(1)}`;
          const value = check.object(config, versionAt, 'an application version configuration');
          if (value) entry.versions.push({ name, config: value, at: versionAt });
        }
      }
      entries.push(entry);
    }
  }
  check.done();
  return entries;
}

/** Reads `{instance: {kaa: {tenants: {tenantId: {config: {...}}}}}}`. */
export function readTenantDocument(body: unknown): TenantEntry[] {
  const check = new ShapeChecker();
  const entries: TenantEntry[] = [];
  const root = check.object(body, '', 'the body');
  for (const [instance, instanceValue] of Object.entries(root ?? {})) {
    const kaa = check.object(check.object(instanceValue, pointer(instance), 'a service instance entry')?.kaa, pointer(instance, 'kaa'), '"kaa"');
    const tenants = check.object(kaa?.tenants, pointer(instance, 'kaa', 'tenants'), '"tenants"');
    for (const [tenantId, tenantValue] of Object.entries(tenants ?? {})) {
      const at = pointer(instance, 'kaa', 'tenants', tenantId);
      const config = check.object(check.object(tenantValue, at, 'a tenant entry')?.config, `${at}/config`, '"config"');
      if (config) entries.push({ instance, tenantId, config, at: `${at}/config` });
    }
  }
  check.done();
  return entries;
}

export function appDocument(instances: Record<string, Record<string, Json>>): Json {
  return Object.fromEntries(Object.entries(instances).map(([instance, applications]) => [instance, { kaa: { applications } }]));
}

export function tenantDocument(instances: Record<string, Record<string, Json>>): Json {
  return Object.fromEntries(
    Object.entries(instances).map(([instance, tenants]) => [
      instance,
      { kaa: { tenants: Object.fromEntries(Object.entries(tenants).map(([tenantId, config]) => [tenantId, { config }])) } },
    ]),
  );
}
