// Jest runs in native ESM mode (Nest 12 ships ES modules); see README "Tests".
import { createRequire } from 'node:module';

const bridge = createRequire(import.meta.url)('./test/esm-bridge/packages.cjs');
const bridged = bridge.cjs.map((p) => p.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&')).join('|');

const tsJest = ['ts-jest', { useESM: true, tsconfig: 'tsconfig.test.json', diagnostics: false }];
const common = {
  extensionsToTreatAsEsm: ['.ts'],
  moduleNameMapper: { '^(\\.{1,2}/.*)\\.js$': '$1' },
  transform: {
    '^.+\\.ts$': tsJest,
    // CommonJS dependencies that require() ES-module-only packages: see test/esm-bridge/transform.cjs.
    [`/node_modules/(${bridged})/.+\\.c?js$`]: '<rootDir>/test/esm-bridge/transform.cjs',
  },
  transformIgnorePatterns: [`/node_modules/(?!(${bridged})/)`],
  setupFilesAfterEnv: ['<rootDir>/test/esm-bridge/setup.mjs'],
  testEnvironment: 'node',
};

export default {
  testTimeout: 60000,
  projects: [
    {
      ...common,
      displayName: 'unit',
      testMatch: ['<rootDir>/src/**/*.spec.ts', '<rootDir>/scripts/**/*.spec.ts', '<rootDir>/test/**/*.spec.ts'],
    },
    {
      ...common,
      displayName: 'e2e',
      testMatch: ['<rootDir>/test/**/*.e2e-spec.ts'],
      globalSetup: '<rootDir>/test/global-setup.mjs',
      globalTeardown: '<rootDir>/test/global-teardown.mjs',
    },
  ],
};
