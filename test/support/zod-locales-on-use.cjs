// zod's CommonJS build requires all of its ~50 locales as it loads, and jest loads zod anew for every test file:
// about 2 s of the suite's CPU. The kit uses English, which zod's schemas load themselves. As the kit's own loader
// does for its commands (bin/compiled.cjs, DEFERRED), the locales load when something first reads them;
// jest.config.js maps zod's request for them here.
const { dirname, join } = require("node:path");
const { standIn } = require("../../bin/stand-in.cjs");

const LOCALES = join(dirname(require.resolve("zod")), "v4", "locales", "index.cjs");

// zod takes the namespace through __importStar, which passes an object marked __esModule on unchanged.
module.exports = standIn(() => require(LOCALES), { esModule: true });
