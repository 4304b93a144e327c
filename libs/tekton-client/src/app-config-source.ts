/**
 * The `kaa` subtree of one service instance's configuration as Tekton serves it
 * (`GET /app-configs?serviceInstanceName=X` → `{X: {kaa: {...}}}`), or as read from a file.
 */
export interface ServiceConfigTree {
  applications: Record<string, ApplicationConfigNode>;
  tenants: Record<string, { config: unknown }>;
}

export type ApplicationConfigNode = Record<string, unknown> & {
  versions?: Record<string, Record<string, unknown>>;
};

export type ConfigChangeScope = 'all' | 'tenant' | 'application' | 'app-version';

export interface ConfigChange {
  scope: ConfigChangeScope;
  tenantId?: string;
  appName?: string;
  appVersionName?: string;
  /** Why the tree was (re-)read. */
  reason: 'start' | 'reconnect' | 'notice' | 'file';
}

/**
 * Who owns each application and app version: Tekton's registry (`GET /bulk`), or the `tenantId`
 * of each application in a file.
 */
export interface AppOwners {
  /** Application name → tenant id. */
  applications: Record<string, string>;
  /**
   * App version name → tenant id, as the registry lists them; `undefined` when versions are not
   * listed (a file), so every `{app}-{suffix}` belongs to its application's tenant.
   */
  versions?: Record<string, string>;
}

/**
 * What a Tekton consumer sees: the current tree and a change stream. Implemented by the
 * REST/SCMP client and by a file source for running without Tekton.
 */
export abstract class AppConfigSource {
  abstract start(): Promise<void>;
  abstract stop(): Promise<void>;
  abstract current(): ServiceConfigTree;
  /** Registers a listener called after the tree changed; returns an unregister function. */
  abstract onChange(listener: (change: ConfigChange) => void): () => void;
  /** Who owns what; refreshed before the change listeners hear of it. Nobody, unless the source reads owners. */
  owners(): AppOwners {
    return emptyOwners();
  }
}

export const emptyOwners = (): AppOwners => ({ applications: {}, versions: {} });

export const emptyTree = (): ServiceConfigTree => ({ applications: {}, tenants: {} });
