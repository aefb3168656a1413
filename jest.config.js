// Jest runs TypeScript through @swc/jest (TypeScript 7 has no JS API for ts-jest); tsc type-checks separately.

// The tests talk only to servers they start themselves, and those that need a CA give their own NODE_EXTRA_CA_CERTS.
// A host's value is left out of the run (jest's workers and every child inherit this environment): node 20 reads it
// as it starts, about 90 ms per child process with a system bundle of ~150 certificates, and warns on stderr when
// the file is missing, which the tests that check a child's stderr would see.
delete process.env.NODE_EXTRA_CA_CERTS;
/** @type {import('jest').Config} */
module.exports = {
  testEnvironment: "node",
  roots: ["<rootDir>/test"],
  testMatch: ["**/*.test.ts"],
  transform: { "^.+\\.(t|j)sx?$": ["@swc/jest", { jsc: { target: "es2022" } }] },
  // jose, openid-client and its oauth4webapi ship ESM only. Node loads them with require() at run time, but
  // jest's module registry cannot, so swc also turns these three packages into CommonJS; nothing else in
  // node_modules is transformed.
  transformIgnorePatterns: ["/node_modules/(?!(jose|openid-client|oauth4webapi)/)"],
  // Only zod requires this path (its locales); they load on first use (test/support/zod-locales-on-use.cjs).
  moduleNameMapper: { "^\\.\\./locales/index\\.cjs$": "<rootDir>/test/support/zod-locales-on-use.cjs" },
  testTimeout: 60000,
  // One worker per core: jest's default leaves one core idle, which on 2 cores means one worker. Much of the suite
  // waits on child processes (terraform, cdktf, the CLI), so a second worker uses the time they leave; measured on
  // 2 cores it cut the suite's wall time by a fifth (docs/development.md, "Test suite time").
  maxWorkers: "100%",
  // jest's report and real failures only: tests keep their children's output (cdktf, terraform) to themselves, and
  // the files with skipped tests are named once at the end (the live test says how to run it).
  reporters: ["default", "<rootDir>/test/support/skipped-reporter.js", "<rootDir>/test/support/budget-reporter.js"],
};
