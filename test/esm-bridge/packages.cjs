// The ES-module-only packages that some CommonJS dependencies require(), and those CommonJS dependencies.
// Shared by jest.config.js (which files to transform) and the transform itself (which calls to rewrite).
module.exports = {
  /** ESM packages required from CommonJS: loaded once by setup.mjs, handed out through a global. */
  esm: ['@nestjs/common', '@nestjs/core', 'jose', 'cookie'],
  /** CommonJS packages whose require() of the packages above is rewritten. */
  cjs: ['@willsoto/nestjs-prometheus', '@nestjs/throttler', 'jwks-rsa', 'light-my-request'],
  global: '__TF_ESM_BRIDGE__',
};
