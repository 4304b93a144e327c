// Types for node-versions.mjs, for the TypeScript specs in tools/test.
export declare const DEFAULT_VERSIONS: string[];

export interface InstallNodeOptions {
  /** Reinstall even when the cache holds the binary. */
  refresh?: boolean;
  /** Where each major is installed (`<cacheDir>/<major>`). Default `.data/node`. */
  cacheDir?: string;
  say?: (line: string) => void;
}

/** Installs Node `major` from the npm registry (or reuses the cache); returns its binary's path. */
export declare function installNode(major: string | number, options?: InstallNodeOptions): string;
