/** Whole suite: unit specs beside the code, e2e specs under test/, the emulator's own specs. */
module.exports = {
  moduleFileExtensions: ['js', 'json', 'ts'],
  roots: ['<rootDir>/src', '<rootDir>/test', '<rootDir>/bitrix-emulator'],
  testRegex: '.*\\.(spec|e2e-spec)\\.ts$',
  transform: {
    '^.+\\.ts$': ['@swc/jest'],
    // openid-client, oidc-provider and their dependencies ship ES modules only; Jest's CommonJS runtime
    // needs them compiled like our own code (Node itself loads them natively in the built app).
    '^.+/node_modules/(openid-client|oauth4webapi|jose|oidc-provider)/.+\\.js$': ['@swc/jest', { module: { type: 'commonjs' } }],
  },
  transformIgnorePatterns: ['/node_modules/(?!(openid-client|oauth4webapi|jose|oidc-provider)/)'],
  testEnvironment: 'node',
  globalSetup: '<rootDir>/test/support/global-setup.ts',
  globalTeardown: '<rootDir>/test/support/global-teardown.ts',
  testTimeout: 60000,
  // Every suite closes its apps, servers and clients in afterAll; this only guards CI against a stray
  // handle (a library timer) keeping the runner alive after the summary has been printed.
  forceExit: true,
  reporters: ['default', '<rootDir>/test/support/summary-reporter.js'],
};
