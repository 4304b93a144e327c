// Every project's jest config; `npm test` runs them all against real Postgres and NATS.
export default {
  projects: ['<rootDir>/libs/*/jest.config.mjs', '<rootDir>/apps/*/jest.config.mjs', '<rootDir>/tools/jest.config.mjs'],
  // A global option: in multi-project runs the projects' own testTimeout is not used.
  testTimeout: 30000,
  // A temp dir per run, removed at its end (jest/global-setup.mjs).
  globalSetup: '<rootDir>/jest/global-setup.mjs',
  globalTeardown: '<rootDir>/jest/global-teardown.mjs',
};
