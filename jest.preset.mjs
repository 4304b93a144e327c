// Shared jest settings: ESM mode, @swc/jest, workspace libs resolved to their sources.
import { readdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = dirname(fileURLToPath(import.meta.url));
const libs = readdirSync(join(root, 'libs'));

export function preset(rootDir, overrides = {}) {
  return {
    rootDir,
    displayName: rootDir.slice(root.length + 1),
    testEnvironment: 'node',
    testMatch: ['<rootDir>/src/**/*.spec.ts', '<rootDir>/test/**/*.int-spec.ts'],
    extensionsToTreatAsEsm: ['.ts'],
    moduleNameMapper: {
      // Loaded by the OpenAPI UI; it requires an ESM-only package, which jest's CommonJS loader
      // cannot load on Node 20 or 22 (it can on 24).
      '^@fastify/static$': join(root, 'jest/fastify-static.stub.cjs'),
      ...Object.fromEntries(libs.map((lib) => [`^@kaa/${lib}$`, join(root, 'libs', lib, 'src/index.ts')])),
      '^(\\.{1,2}/.*)\\.js$': '$1',
    },
    transform: {
      '^.+\\.ts$': [
        '@swc/jest',
        {
          jsc: {
            parser: { syntax: 'typescript', decorators: true },
            transform: { legacyDecorator: true, decoratorMetadata: true, useDefineForClassFields: false },
            target: 'es2022',
          },
          module: { type: 'es6' },
        },
      ],
    },
    testTimeout: 30000,
    ...overrides,
  };
}
