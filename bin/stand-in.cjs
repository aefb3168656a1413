// A stand-in for a module that loads it on first use: every call, property read, `in` test and listing of its names
// is forwarded to the real module, loaded then. The kit's loader answers some requires of dependencies with one
// (bin/compiled.cjs, DEFERRED); the tests' module registry does the same for zod's locales.

/**
 * `load` returns the real module (called once, on first use). `target` is what the Proxy stands on: `{}`, or an
 * arrow function when the module is called. `esModule` answers `__esModule` without loading, for __importStar and
 * __toESM. `exportNames` lists the module's names without loading it, each a getter that loads it.
 */
function standIn(load, { target = {}, esModule = false, exportNames } = {}) {
  let real;
  const module = () => {
    real ??= load();
    return real;
  };
  return new Proxy(target, {
    apply: (_, self, callArgs) => Reflect.apply(module(), self, callArgs),
    get: (_, key) => (key === "__esModule" && esModule ? true : module()[key]),
    has: (_, key) => key in module(),
    ownKeys: () => exportNames ?? Reflect.ownKeys(module()),
    getOwnPropertyDescriptor: (_, key) => {
      if (exportNames !== undefined) {
        if (!exportNames.includes(key)) return undefined;
        return { get: () => module()[key], enumerable: true, configurable: true };
      }
      const descriptor = Object.getOwnPropertyDescriptor(module(), key);
      return descriptor === undefined ? undefined : { ...descriptor, configurable: true };
    },
  });
}

module.exports = { standIn };
