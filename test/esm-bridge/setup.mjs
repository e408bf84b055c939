// Jest setup (setupFilesAfterEnv): imports the ES-module-only packages that some CommonJS dependencies
// require(), through Jest's own ESM loader, and hands their namespaces to transform.cjs through one
// global. See transform.cjs for why.
import bridge from './packages.cjs';

const namespaces = {};
for (const name of bridge.esm) namespaces[name] = await import(name);
globalThis[bridge.global] = namespaces;
