import { watch, type FSWatcher } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { basename, dirname } from 'node:path';
import { parse } from 'yaml';
import { AppConfigSource, emptyTree, type AppOwners, type ApplicationConfigNode, type ConfigChange, type ServiceConfigTree } from './app-config-source.js';

export interface FileAppConfigSourceOptions {
  /** YAML or JSON: `{kaa: {applications: {...}, tenants?: {...}}}`, the tree Tekton serves for the instance. */
  path: string;
  /** Re-read the file when it changes and emit `reason: 'file'`. */
  watch?: boolean;
  /** Called when a re-read after a change fails; the previous tree stays in force. */
  onError?: (error: Error) => void;
}

/** The file is unreadable or not a service configuration tree; the message names the file and the part. */
export class AppConfigFileError extends Error {
  constructor(
    readonly path: string,
    reason: string,
    options?: ErrorOptions,
  ) {
    super(`app config file ${path}: ${reason}`, options);
    this.name = 'AppConfigFileError';
  }
}

const isObject = (value: unknown): value is Record<string, unknown> =>
  typeof value === 'object' && value !== null && !Array.isArray(value);

/** Checks the shape Tekton guarantees, so consumers can trust the tree as they would Tekton's. */
export function parseServiceConfigTree(path: string, text: string): ServiceConfigTree {
  let document: unknown;
  try {
    document = parse(text);
  } catch (cause) {
    throw new AppConfigFileError(path, `not valid YAML or JSON: ${(cause as Error).message}`, { cause });
  }
  if (document === null || document === undefined) return emptyTree();
  if (!isObject(document)) throw new AppConfigFileError(path, 'the document must be a map with a `kaa` key');
  const kaa = document['kaa'];
  if (kaa === undefined || kaa === null) return emptyTree();
  if (!isObject(kaa)) throw new AppConfigFileError(path, '`kaa` must be a map');

  const applications: Record<string, ApplicationConfigNode> = {};
  const apps = kaa['applications'] ?? {};
  if (!isObject(apps)) throw new AppConfigFileError(path, '`kaa.applications` must be a map of application names');
  for (const [appName, node] of Object.entries(apps)) {
    if (!isObject(node)) throw new AppConfigFileError(path, `\`kaa.applications.${appName}\` must be a map`);
    const tenantId = node['tenantId'];
    if (tenantId !== undefined && (typeof tenantId !== 'string' || tenantId === '')) {
      throw new AppConfigFileError(path, `\`kaa.applications.${appName}.tenantId\` must be a tenant id`);
    }
    const versions = node['versions'];
    if (versions !== undefined && versions !== null) {
      if (!isObject(versions)) throw new AppConfigFileError(path, `\`kaa.applications.${appName}.versions\` must be a map of version names`);
      for (const [version, versionNode] of Object.entries(versions)) {
        if (!isObject(versionNode)) {
          throw new AppConfigFileError(path, `\`kaa.applications.${appName}.versions.${version}\` must be a map`);
        }
      }
    }
    applications[appName] = node as ApplicationConfigNode;
  }

  const tenants: Record<string, { config: unknown }> = {};
  const tenantNodes = kaa['tenants'] ?? {};
  if (!isObject(tenantNodes)) throw new AppConfigFileError(path, '`kaa.tenants` must be a map of tenant ids');
  for (const [tenantId, node] of Object.entries(tenantNodes)) {
    if (!isObject(node)) throw new AppConfigFileError(path, `\`kaa.tenants.${tenantId}\` must be a map with a \`config\` key`);
    tenants[tenantId] = { config: node['config'] ?? {} };
  }
  return { applications, tenants };
}

/**
 * The owners a file declares: `kaa.applications.{app}.tenantId`. A file lists no registry of
 * versions, so every version `{app}-{suffix}` belongs to its application's tenant.
 */
export function ownersOfTree(tree: ServiceConfigTree): AppOwners {
  const applications: Record<string, string> = {};
  for (const [appName, node] of Object.entries(tree.applications)) {
    if (typeof node['tenantId'] === 'string') applications[appName] = node['tenantId'];
  }
  return { applications };
}

const K8S_DATA_LINK = '..data';

/**
 * An {@link AppConfigSource} read from a local file, for running a Tekton consumer without
 * Tekton. `start()` fails on an unreadable or malformed file, so a bad file stops the service.
 */
export class FileAppConfigSource extends AppConfigSource {
  private tree: ServiceConfigTree = emptyTree();
  private readonly listeners = new Set<(change: ConfigChange) => void>();
  private watcher?: FSWatcher;
  private debounce?: NodeJS.Timeout;

  constructor(private readonly options: FileAppConfigSourceOptions) {
    super();
  }

  async start(): Promise<void> {
    this.tree = await this.read();
    this.emit({ scope: 'all', reason: 'start' });
    if (this.options.watch && !this.watcher) {
      // Watch the directory, not the file: editors and Kubernetes ConfigMaps replace the file
      // (write a new one, rename it over the old), and a watch on the old inode would go quiet.
      const name = basename(this.options.path);
      this.watcher = watch(dirname(this.options.path), (_event, filename) => {
        // ConfigMap volumes swap the `..data` symlink the file points through; no name: be safe.
        if (filename === null || filename === name || filename === K8S_DATA_LINK) this.scheduleReload();
      });
      this.watcher.unref();
    }
  }

  async stop(): Promise<void> {
    clearTimeout(this.debounce);
    this.watcher?.close();
    this.watcher = undefined;
  }

  current(): ServiceConfigTree {
    return this.tree;
  }

  override owners(): AppOwners {
    return ownersOfTree(this.tree);
  }

  onChange(listener: (change: ConfigChange) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /** Re-reads the file now; on failure the previous tree stays and the error is thrown. */
  async reload(): Promise<void> {
    this.tree = await this.read();
    this.emit({ scope: 'all', reason: 'file' });
  }

  private scheduleReload() {
    clearTimeout(this.debounce);
    // Editors write in several steps; read once they are done.
    this.debounce = setTimeout(() => {
      this.reload().catch((error: Error) => this.options.onError?.(error));
    }, 100);
    this.debounce.unref();
  }

  private async read(): Promise<ServiceConfigTree> {
    let text: string;
    try {
      text = await readFile(this.options.path, 'utf8');
    } catch (cause) {
      throw new AppConfigFileError(this.options.path, `cannot be read: ${(cause as Error).message}`, { cause });
    }
    return parseServiceConfigTree(this.options.path, text);
  }

  private emit(change: ConfigChange) {
    for (const listener of this.listeners) {
      try {
        listener(change);
      } catch (error) {
        this.options.onError?.(error as Error);
      }
    }
  }
}
