// Jest transform for a few CommonJS dependencies that require() ES-module-only packages.
//
// Why: Node >= 20.19 loads `require(esm)` natively, so these packages work in the service. Jest 29's ESM
// runner does not, on Node 20 or 24: its own CommonJS loader refuses an ES module ("Must use import to
// load ES Module"). The bridge rewrites `require('<esm package>')` in those files to read the module
// namespace that setup.mjs imported through Jest's ESM loader, so the test process has one instance of
// each (one Nest, one set of decorators and metadata keys), exactly as at run time. Nothing else in
// node_modules is transformed.
const { createHash } = require('node:crypto');
const { esm, global } = require('./packages.cjs');

const escape = (s) => s.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&');
const pattern = new RegExp(`\\brequire\\(\\s*(['"])(${esm.map(escape).join('|')})\\1\\s*\\)`, 'g');

module.exports = {
  process(source) {
    return { code: source.replace(pattern, (_m, _q, name) => `globalThis.${global}[${JSON.stringify(name)}]`) };
  },
  getCacheKey(source, path) {
    return createHash('sha1').update(__filename).update(esm.join(',')).update(path).update(source).digest('hex');
  },
};
