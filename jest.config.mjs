// Every project's jest config; `npm test` runs them all against real Postgres and NATS.
export default {
  projects: ['<rootDir>/libs/*/jest.config.mjs', '<rootDir>/apps/*/jest.config.mjs', '<rootDir>/tools/jest.config.mjs'],
  // A global option: in multi-project runs the projects' own testTimeout is not used.
  testTimeout: 30000,
};
