/** Three tiers: unit (pure, no I/O), integration (one service on real PostgreSQL + Kafka), e2e (the whole system). */
const transform = { '^.+\\.ts$': ['@swc/jest'] };
const moduleNameMapper = {
  '^@pupitre/shared$': '<rootDir>/libs/shared/src',
  '^@pupitre/shared/(.*)$': '<rootDir>/libs/shared/src/$1',
};
// What the code under test logs (Nest's logger, kafkajs) stays out of jest's output unless a test
// fails: jest/quiet-environment.js.
const testEnvironment = '<rootDir>/jest/quiet-environment.js';
const base = { transform, moduleNameMapper, testEnvironment, rootDir: __dirname };
const infra = {
  globalSetup: '<rootDir>/jest/global-setup.ts',
  globalTeardown: '<rootDir>/jest/global-teardown.ts',
};

module.exports = {
  projects: [
    {
      ...base,
      displayName: 'unit',
      // test/ops: the monitoring in docs/ against the code (no I/O beyond reading the files).
      testMatch: ['<rootDir>/{apps,libs,web}/**/*.spec.ts', '<rootDir>/test/ops/**/*.spec.ts'],
    },
    {
      ...base,
      ...infra,
      displayName: 'integration',
      testMatch: ['<rootDir>/{apps,libs,test}/**/*.int-spec.ts'],
    },
    { ...base, ...infra, displayName: 'e2e', testMatch: ['<rootDir>/test/**/*.e2e-spec.ts'] },
    // The desk and the demo page in a real browser against the whole system (the global setup builds them).
    { ...base, ...infra, displayName: 'browser', testMatch: ['<rootDir>/test/browser/**/*.browser-spec.ts'] },
    // Measurements (npm run measure:desk), never part of npm test.
    ...(process.env.PUPITRE_MEASURE
      ? [
          {
            ...base,
            ...infra,
            displayName: 'measure',
            testMatch: ['<rootDir>/test/browser/**/*.measure-spec.ts'],
          },
        ]
      : []),
  ],
  testTimeout: 60000,
  reporters: ['default', '<rootDir>/jest/summary-reporter.js'],
};
