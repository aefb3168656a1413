// zod's CommonJS build requires all of its ~50 locales as it loads, and jest loads zod anew for every test file:
// about 2 s of the suite's CPU. The kit uses English, which zod's schemas load themselves. As the kit's own loader
// does for its commands (bin/compiled.cjs, DEFERRED), the locales load when something first reads them;
// jest.config.js maps zod's request for them here.
const { dirname, join } = require("node:path");

const LOCALES = join(dirname(require.resolve("zod")), "v4", "locales", "index.cjs");
let real;
const locales = () => {
  real ??= require(LOCALES);
  return real;
};

module.exports = new Proxy(
  {},
  {
    // zod takes the namespace through __importStar, which passes an object marked __esModule on unchanged.
    get: (_, key) => (key === "__esModule" ? true : locales()[key]),
    has: (_, key) => key in locales(),
    ownKeys: () => Reflect.ownKeys(locales()),
    getOwnPropertyDescriptor: (_, key) => {
      const descriptor = Object.getOwnPropertyDescriptor(locales(), key);
      return descriptor === undefined ? undefined : { ...descriptor, configurable: true };
    },
  },
);
