/** OAuth scopes of the watcher's REST API. */
export const WatcherScopes = {
  read: 'watcher:read',
  update: 'watcher:update',
  /** Installation-wide CA operations (rotation). */
  admin: 'watcher:admin',
} as const;
