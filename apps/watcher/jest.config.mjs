import { preset } from '../../jest.preset.mjs';

const base = preset(import.meta.dirname);

// @fastify/static (loaded by the OpenAPI UI) requires an ESM-only package, which jest's
// CommonJS loader cannot do on Node 20; the tests need no docs assets, so a no-op plugin stands in.
export default {
  ...base,
  moduleNameMapper: { '^@fastify/static$': '<rootDir>/test/fastify-static.stub.cjs', ...base.moduleNameMapper },
};
