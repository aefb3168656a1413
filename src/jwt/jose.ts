// The jose functions the doctor verifies tokens with, from one module: jose ships ES modules only, which node 20
// compiles anew on every run, so the build bundles this module with them into CommonJS that the code cache serves
// (bin/compiled.cjs). Nothing else in src/ imports jose, so the process holds one copy of it. Subpath imports: the
// doctor needs two functions, and the package root loads three times as many modules.
export { compactVerify } from "jose/jws/compact/verify";
export { importJWK } from "jose/key/import";
