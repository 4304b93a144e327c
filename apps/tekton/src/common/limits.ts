/** Bounds of what one tenant may store and ask for (TEKTON_* settings). */
export class TektonLimits {
  constructor(
    /** Largest stored configuration, bytes of its JSON. */
    readonly configMaxBytes: number,
    /** Largest diff a history entry carries, bytes of its JSON. */
    readonly historyDiffMaxBytes: number,
    readonly applicationsPerTenant: number,
    readonly versionsPerApplication: number,
  ) {}
}

/** History pages: revisions hold whole configs, so pages stay small. */
export const HISTORY_PAGE = { defaultSize: 20, maxSize: 100 } as const;
