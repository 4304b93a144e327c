// The libraries other teams install from the registry, in dependency order (a package comes after
// the ones it depends on). Everything else in libs/ stays private to this repository.
export const PUBLISHED_PACKAGES = [
  { dir: 'libs/protocols', name: '@kaa/protocols' },
  { dir: 'libs/observability', name: '@kaa/observability' },
  { dir: 'libs/nats', name: '@kaa/nats' },
  { dir: 'libs/auth', name: '@kaa/auth' },
  { dir: 'libs/tekton-client', name: '@kaa/tekton-client' },
  { dir: 'libs/watch-listener', name: '@kaa/watch-listener' },
];
