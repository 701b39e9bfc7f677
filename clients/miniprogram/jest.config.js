// The simulator tests of every page (miniprogram-simulate + j-component in jsdom). The api-core
// test against the real server (test/server) is node's own runner, driven by ctest.
module.exports = {
  testEnvironment: 'jsdom',
  testMatch: ['<rootDir>/test/pages/**/*.test.js', '<rootDir>/test/unit/**/*.test.js'],
  transform: { '^.+\\.js$': 'babel-jest' },
  transformIgnorePatterns: ['/node_modules/'],
  setupFiles: ['<rootDir>/test/setup.js'],
  testTimeout: 20000,
}
