import { preset } from '../jest.preset.mjs';

export default preset(import.meta.dirname, { testMatch: ['<rootDir>/test/**/*.int-spec.ts', '<rootDir>/**/src/**/*.spec.ts'] });
