// The compiled-JavaScript loader (bin/compiled.cjs) in a scratch copy of the project layout: it runs the build when
// the build is current, and the source's new code whenever a source changed after the build or was never built.
// The last test checks what the real CLI loads for --help.
import { spawnSync } from "node:child_process";
import {
  copyFileSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  rmSync,
  statSync,
  symlinkSync,
  utimesSync,
  writeFileSync,
} from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

const PROJECT_ROOT = join(__dirname, "..");
let root: string;

function write(relative: string, text: string): void {
  mkdirSync(join(root, relative, ".."), { recursive: true });
  writeFileSync(join(root, relative), text);
}

/** Loads src/greet.ts through the scratch copy's loader and returns what its greet() says. */
function greet(): string {
  return runGreet({}).stdout;
}

/** greet() in a node with these extra environment variables: what it printed on stdout and stderr. */
function runGreet(env: Record<string, string>): { stdout: string; stderr: string } {
  const script = `require(${JSON.stringify(join(root, "bin", "compiled.cjs"))}).register();
    process.stdout.write(require(${JSON.stringify(join(root, "src", "greet.ts"))}).greet());`;
  const result = spawnSync(process.execPath, ["-e", script], { encoding: "utf8", env: { ...process.env, ...env } });
  if (result.status !== 0) throw new Error(`node exited ${String(result.status)}: ${result.stderr}`);
  return result;
}

/** The scratch copy's `npm run build`, run in this process: the same build() its command line runs. */
async function build(): Promise<void> {
  await (require(join(root, "bin", "compiled.cjs")) as { build: () => Promise<number> }).build();
}

/**
 * Rewrites a file of the scratch copy at the same size, with an mtime later than any stamp recorded so far (coarse
 * clocks could otherwise give the same stamp).
 */
function rewriteSameSize(relative: string, edit: (text: string) => string): void {
  const file = join(root, relative);
  const before = readFileSync(file, "utf8");
  const after = edit(before);
  expect(Buffer.byteLength(after)).toBe(Buffer.byteLength(before));
  writeFileSync(file, after);
  const later = new Date(statSync(file).mtimeMs + 5000);
  utimesSync(file, later, later);
}

/** Replaces the compiled output of src/greet.ts, so a test can tell the build's code from the source's. */
function markBuild(text: string): void {
  writeFileSync(join(root, ".build", "src", "greet.js"), `exports.greet = () => ${JSON.stringify(text)};\n`);
}

beforeEach(() => {
  root = mkdtempSync(join(tmpdir(), "compiled-loader-"));
  mkdirSync(join(root, "bin"));
  for (const file of ["compiled.cjs", "code-cache.cjs", "resolve-cache.cjs", "cache-files.cjs", "stand-in.cjs"]) {
    copyFileSync(join(PROJECT_ROOT, "bin", file), join(root, "bin", file));
  }
  copyFileSync(join(PROJECT_ROOT, "tsconfig.json"), join(root, "tsconfig.json"));
  symlinkSync(join(PROJECT_ROOT, "node_modules"), join(root, "node_modules"), "dir");
  write("src/greet.ts", `import { name } from "./name";\nexport const greet = (): string => \`hello \${name}\`;\n`);
  write("src/name.ts", `export const name: string = "one";\n`);
});

afterEach(() => rmSync(root, { recursive: true, force: true }));

test("runs the TypeScript without a build", () => {
  expect(greet()).toBe("hello one");
});

test("runs the compiled output while the sources are as the build saw them", async () => {
  await build();
  markBuild("from the build");
  expect(greet()).toBe("from the build");
});

test("runs the new code when a source changed after the build", async () => {
  await build();
  markBuild("stale build");
  write("src/greet.ts", `export const greet = (): string => "edited";\n`);
  expect(greet()).toBe("edited");
});

test("runs the new code when a source changed after the build and kept its size", async () => {
  await build();
  markBuild("stale build");
  rewriteSameSize("src/greet.ts", (text) => text.replace("hello", "howdy"));
  expect(greet()).toBe("howdy one");
});

test("runs a source the build never saw", async () => {
  await build();
  write("src/greet.ts", `import { other } from "./other";\nexport const greet = (): string => other;\n`);
  write("src/other.ts", `export const other: string = "new file";\n`);
  expect(greet()).toBe("new file");
});

test("a changed tsconfig.json makes the whole build stale", async () => {
  await build();
  markBuild("stale build");
  const tsconfig = join(root, "tsconfig.json");
  writeFileSync(tsconfig, `${readFileSync(tsconfig, "utf8")}\n`);
  expect(greet()).toBe("hello one");
});

describe("the code cache", () => {
  const record = () => runGreet({ ORDS_JWT_CODE_CACHE: "record" });
  const debug = { ORDS_JWT_DEBUG_BUILD: "1" };
  /** greet() taking its word from lib/word.js (a plain JavaScript module saying "recorded"), built and recorded. */
  const recordWithJavaScriptWord = async () => {
    write("src/greet.ts", `import { word } from "../lib/word";\nexport const greet = (): string => word();\n`);
    write("lib/word.js", `exports.word = () => "recorded";\n`);
    await build();
    record();
  };

  test("the modules of a recorded run load from the cache on the next run", async () => {
    await build();
    record();
    const { stdout, stderr } = runGreet(debug);
    expect(stdout).toBe("hello one");
    expect(stderr).toContain("code cache: 2 from cache, 0 compiled");
  });

  test("a JavaScript module edited after recording runs its new code, even at the same size", async () => {
    // V8 checks only the length of the source against the data, so the size-and-mtime stamp is what notices.
    await recordWithJavaScriptWord();
    rewriteSameSize("lib/word.js", (text) => text.replace("recorded", "replaced"));
    const { stdout, stderr } = runGreet(debug);
    expect(stdout).toBe("replaced");
    expect(stderr).toContain("code cache: 1 from cache, 1 compiled");
  });

  test("code another loader hands over for a file never meets the data recorded for that file", async () => {
    // A require hook installed after the kit's (tsx's, say) passes _compile other code for the same file; at the same
    // length V8 would take the recorded data for it.
    await recordWithJavaScriptWord();
    const script = `require(${JSON.stringify(join(root, "bin", "compiled.cjs"))}).register();
      const load = require.extensions[".js"];
      require.extensions[".js"] = (module, filename) => filename.endsWith("word.js")
        ? module._compile(require("node:fs").readFileSync(filename, "utf8").replace("recorded", "hooked!!"), filename)
        : load(module, filename);
      process.stdout.write(require(${JSON.stringify(join(root, "src", "greet.ts"))}).greet());`;
    const result = spawnSync(process.execPath, ["-e", script], { encoding: "utf8", env: { ...process.env, ...debug } });
    expect(result.stdout).toBe("hooked!!");
    expect(result.stderr).toContain("code cache: 1 from cache, 1 compiled");
  });

  test("a TypeScript source edited after recording runs its new code, even at the same size", async () => {
    await build();
    record();
    rewriteSameSize("src/greet.ts", (text) => text.replace("hello", "howdy"));
    const { stdout, stderr } = runGreet(debug);
    expect(stdout).toBe("howdy one");
    expect(stderr).toContain("code cache: 1 from cache, 1 compiled");
  });

  test("data V8 rejects (here a damaged header) is ignored and the module compiles", async () => {
    await build();
    record();
    const file = join(root, ".build", "code-cache", "default", "src!greet.ts.bin");
    const data = readFileSync(file);
    data.fill(0, 0, 16);
    writeFileSync(file, data);
    const { stdout, stderr } = runGreet(debug);
    expect(stdout).toBe("hello one");
    expect(stderr).toContain("code cache: 1 from cache, 1 compiled");
  });

  test("a run that changes V8's flags records what it loaded before under the flags that loads with", async () => {
    // bin/ords-jwt.cjs sets --liftoff-only at its first fetch, after most modules have loaded.
    const flagsChange = `require(${JSON.stringify(join(root, "bin", "code-cache.cjs"))}).beforeV8FlagsChange();
      require("node:v8").setFlagsFromString("--liftoff-only");`;
    await build();
    const script = `require(${JSON.stringify(join(root, "bin", "compiled.cjs"))}).register();
      require(${JSON.stringify(join(root, "src", "greet.ts"))});
      ${flagsChange}`;
    const recorded = spawnSync(process.execPath, ["-e", script], {
      encoding: "utf8",
      env: { ...process.env, ORDS_JWT_CODE_CACHE: "record" },
    });
    expect(recorded.stderr).toBe("");
    expect(runGreet(debug).stderr).toContain("code cache: 2 from cache, 0 compiled");
  });

  test("a run under other node options has a cache of its own, and leaves the plain run's alone", async () => {
    // V8 takes data only under the flags it was written with; --max-old-space-size is one that changes them.
    const other = { NODE_OPTIONS: "--max-old-space-size=512" };
    await build();
    record();
    expect(runGreet({ ...debug, ...other }).stderr).toContain("code cache: 0 from cache, 2 compiled");
    runGreet({ ...other, ORDS_JWT_CODE_CACHE: "record" });
    expect(runGreet({ ...debug, ...other }).stderr).toContain("code cache: 2 from cache, 0 compiled");
    expect(runGreet(debug).stderr).toContain("code cache: 2 from cache, 0 compiled");
  });
});

describe("the package resolutions recorded with the code cache", () => {
  /** lib/app/use.js requires the package `pkg`, which lib/node_modules/pkg holds. */
  function writePackage(relativeDir: string, main: string, files: Record<string, string>): void {
    write(`${relativeDir}/package.json`, JSON.stringify({ name: "pkg", main }));
    for (const [name, text] of Object.entries(files)) write(`${relativeDir}/${name}`, text);
  }

  function use(env: Record<string, string> = {}): { said: string; stderr: string } {
    const script = `require(${JSON.stringify(join(root, "bin", "compiled.cjs"))}).register();
      process.stdout.write(require(${JSON.stringify(join(root, "lib", "app", "use.js"))}));`;
    const result = spawnSync(process.execPath, ["-e", script], { encoding: "utf8", env: { ...process.env, ...env } });
    if (result.status !== 0) throw new Error(`node exited ${String(result.status)}: ${result.stderr}`);
    return { said: result.stdout, stderr: result.stderr };
  }

  beforeEach(async () => {
    write("lib/app/use.js", `module.exports = require("pkg");\n`);
    writePackage("lib/node_modules/pkg", "index.js", { "index.js": `module.exports = "recorded";\n` });
    await build();
    use({ ORDS_JWT_CODE_CACHE: "record" });
  });

  test("a package require is answered from the recording while the answer holds", () => {
    expect(use({ ORDS_JWT_DEBUG_BUILD: "1" })).toEqual({
      said: "recorded",
      stderr: expect.stringContaining("resolutions: 1 from cache, 0 resolved"),
    });
  });

  test("a copy of the package installed nearer the requiring file is the one loaded", () => {
    writePackage("lib/app/node_modules/pkg", "index.js", { "index.js": `module.exports = "nearer";\n` });
    expect(use().said).toBe("nearer");
  });

  test("a package installed again, with another main file, resolves anew", () => {
    writePackage("lib/node_modules/pkg", "main.js", {
      "index.js": `module.exports = "old main";\n`,
      "main.js": `module.exports = "new main";\n`,
    });
    const later = new Date(Date.now() + 5000);
    utimesSync(join(root, "lib", "node_modules", "pkg", "index.js"), later, later);
    expect(use().said).toBe("new main");
  });
});

describe("the command table's bundle", () => {
  /** A src/cli/ of two files that imports src/count.ts, which src/other.ts imports too. */
  function writeTable(word: string): void {
    write(
      "src/cli/program.ts",
      `import { word } from "./part";\nimport { count } from "../count";\n` +
        `export const run = (): string => \`\${word} \${count()}\`;\n`,
    );
    write("src/cli/part.ts", `export const word: string = "${word}";\n`);
    write("src/count.ts", `let calls = 0;\nexport const count = (): number => ++calls;\n`);
    write("src/other.ts", `import { count } from "./count";\nexport const again = (): number => count();\n`);
  }

  /** Runs the table and src/other.ts in one node: what they say, and which sources loaded as modules of their own. */
  function runTable(): { said: string; again: number; modules: string[] } {
    const script = `require(${JSON.stringify(join(root, "bin", "compiled.cjs"))}).register();
      const said = require(${JSON.stringify(join(root, "src", "cli", "program.ts"))}).run();
      const again = require(${JSON.stringify(join(root, "src", "other.ts"))}).again();
      const modules = Object.keys(require.cache).filter((file) => file.endsWith(".ts"));
      process.stdout.write(JSON.stringify({ said, again, modules }));`;
    const result = spawnSync(process.execPath, ["-e", script], { encoding: "utf8" });
    if (result.status !== 0) throw new Error(`node exited ${String(result.status)}: ${result.stderr}`);
    const seen = JSON.parse(result.stdout) as { said: string; again: number; modules: string[] };
    return { ...seen, modules: seen.modules.map((file) => file.slice(root.length + 1)).sort() };
  }

  test("loads as one module while its sources are as the build saw them", async () => {
    writeTable("bundled");
    await build();
    expect(runTable()).toMatchObject({
      said: "bundled 1",
      modules: ["src/cli/program.ts", "src/count.ts", "src/other.ts"],
    });
  });

  test("shares the modules outside src/cli/ with the rest of the process: each loads once", async () => {
    writeTable("bundled");
    await build();
    // src/count.ts counted the table's call and src/other.ts's call in one module: 1, then 2.
    expect(runTable().again).toBe(2);
  });

  test("loads file by file, with the new code, when one of its sources changed after the build", async () => {
    writeTable("bundled");
    await build();
    write("src/cli/part.ts", `export const word: string = "edited!";\n`);
    expect(runTable()).toMatchObject({
      said: "edited! 1",
      modules: ["src/cli/part.ts", "src/cli/program.ts", "src/count.ts", "src/other.ts"],
    });
  });
});

/** The files a CLI run loaded, read from require.cache as the process exits. */
function modulesLoadedBy(args: readonly string[]): { status: number | null; loaded: string[] } {
  const report = join(root, "loaded.json");
  const preload = join(root, "report-loaded.cjs");
  writeFileSync(
    preload,
    `process.on("exit", () => require("node:fs").writeFileSync(${JSON.stringify(report)}, ` +
      "JSON.stringify(Object.keys(require.cache))));\n",
  );
  const result = spawnSync(
    process.execPath,
    ["--require", preload, join(PROJECT_ROOT, "bin", "ords-jwt.cjs"), ...args],
    {
      cwd: PROJECT_ROOT,
      encoding: "utf8",
    },
  );
  return { status: result.status, loaded: JSON.parse(readFileSync(report, "utf8")) as string[] };
}

test("--help loads none of cdktf, zod, the OCI SDK, jose, openid-client or oracledb", () => {
  const { status, loaded } = modulesLoadedBy(["--help"]);
  expect(status).toBe(0);
  expect(loaded).toContain(join(PROJECT_ROOT, "src", "cli", "program.ts"));
  const heavy = /\/node_modules\/(cdktf|constructs|zod|oci-[a-z]+|jose|openid-client|oracledb|@cdktf)\//;
  expect(loaded.filter((file) => heavy.test(file))).toEqual([]);
});

test("doctor on flags loads neither cdktf nor zod: no environment file, no stack to synthesize", () => {
  // Port 9 on loopback (discard) has no listener here: the checks fail fast, which is all this test needs.
  const closed = "http://127.0.0.1:9";
  const { status, loaded } = modulesLoadedBy([
    ...["doctor", "--issuer", `${closed}/`, "--audience", "a", "--privilege", "p", "--allow-insecure"],
    ...["--jwk-url", `${closed}/jwks`, "--url", `${closed}/x`, "--json"],
  ]);
  expect(status).toBe(1);
  expect(loaded).toContain(join(PROJECT_ROOT, "src", "jwt", "jose.ts"));
  expect(loaded.filter((file) => /\/node_modules\/(cdktf|constructs|zod|@cdktf)\//.test(file))).toEqual([]);
});

test("zod's locales load on first use, and its messages stay English until a locale is chosen", () => {
  const script = `require(${JSON.stringify(join(PROJECT_ROOT, "bin", "compiled.cjs"))}).register();
    const { z } = require("zod");
    const locales = () => Object.keys(require.cache).filter((file) => file.includes("/zod/v4/locales/")).length;
    const before = locales();
    const english = z.string().safeParse(1).error.issues[0].message;
    z.config(z.locales.de());
    const german = z.string().safeParse(1).error.issues[0].message;
    process.stdout.write(JSON.stringify({ before, english, german, after: locales() }));`;
  const result = spawnSync(process.execPath, ["-e", script], { cwd: PROJECT_ROOT, encoding: "utf8" });
  expect(result.stderr).toBe("");
  const seen = JSON.parse(result.stdout) as { before: number; english: string; german: string; after: number };
  expect(seen.before).toBe(1); // en.cjs, which zod's schemas require themselves
  expect(seen.english).toBe("Invalid input: expected string, received number");
  expect(seen.german).toMatch(/^Ungültige Eingabe/);
  expect(seen.after).toBeGreaterThan(40);
});

test("cdktf loads without archiver, and archiver loads when cdktf calls it", () => {
  const script = `require(${JSON.stringify(join(PROJECT_ROOT, "bin", "compiled.cjs"))}).register();
    const Module = require("node:module");
    const { dirname } = require("node:path");
    require("cdktf");
    const archiverLoaded = () => Object.keys(require.cache).some((file) => file.includes("/node_modules/archiver/"));
    const before = archiverLoaded();
    // What cdktf's lib/private/fs.js gets for require("archiver"), asked the way it asks.
    const fsModule = require.resolve("cdktf/lib/private/fs.js");
    const parent = new Module(fsModule);
    parent.filename = fsModule;
    parent.paths = Module._nodeModulePaths(dirname(fsModule));
    const archiver = Module._load("archiver", parent, false);
    const zip = archiver("zip", { zlib: { level: 9 } });
    process.stdout.write(JSON.stringify({ before, pipe: typeof zip.pipe, after: archiverLoaded() }));`;
  const result = spawnSync(process.execPath, ["-e", script], { cwd: PROJECT_ROOT, encoding: "utf8" });
  expect(result.stderr).toBe("");
  expect(JSON.parse(result.stdout)).toEqual({ before: false, pipe: "function", after: true });
});

test("cdktf loads without semver or child_process, and its version check loads and uses them", () => {
  const script = `require(${JSON.stringify(join(PROJECT_ROOT, "bin", "compiled.cjs"))}).register();
    const loaded = () => ({
      semver: Object.keys(require.cache).some((file) => file.includes("/node_modules/semver/")),
      childProcess: process.moduleLoadList.includes("NativeModule child_process"),
    });
    require("cdktf");
    const before = loaded();
    const { ValidateBinaryVersion } = require("cdktf/lib/validations/validate-binary-version");
    const check = (constraint) =>
      new ValidateBinaryVersion("node", constraint, ${JSON.stringify(`"${process.execPath}" --version`)}).validate();
    const unmet = check(">=99").length;
    process.stdout.write(JSON.stringify({ before, met: check(">=20"), unmet, after: loaded() }));`;
  const result = spawnSync(process.execPath, ["-e", script], { cwd: PROJECT_ROOT, encoding: "utf8" });
  expect(result.stderr).toBe("");
  expect(JSON.parse(result.stdout)).toEqual({
    before: { semver: false, childProcess: false },
    met: [],
    unmet: 1,
    after: { semver: true, childProcess: true },
  });
});

test("cdktf's CLI gets its HCL tools as stand-ins: names listed without loading, each loaded on first use", () => {
  // What cdktf's bundled commands (which require all three as they load) get, asked the way they ask.
  const commands = join(PROJECT_ROOT, "node_modules", "cdktf-cli", "bundle", "bin", "cmds", "handlers.js");
  const script = `require(${JSON.stringify(join(PROJECT_ROOT, "bin", "compiled.cjs"))}).register();
    const Module = require("node:module");
    const { dirname } = require("node:path");
    const parent = new Module(${JSON.stringify(commands)});
    parent.filename = ${JSON.stringify(commands)};
    parent.paths = Module._nodeModulePaths(dirname(parent.filename));
    const tools = ["hcl2cdk", "hcl2json", "hcl-tools"];
    const files = () => Object.keys(require.cache);
    const loaded = () => tools.filter((name) => files().some((file) => file.includes("/@cdktf/" + name + "/")));
    const [hcl2cdk, , hclTools] = tools.map((name) => Module._load("@cdktf/" + name, parent, false));
    const names = Object.getOwnPropertyNames(hcl2cdk);
    const before = loaded();
    hclTools.format("a   = 1\\n").then((formatted) => {
      const shown = { esModule: hcl2cdk.__esModule, names, before, formatted, after: loaded() };
      process.stdout.write(JSON.stringify(shown));
    });`;
  const result = spawnSync(process.execPath, ["-e", script], { cwd: PROJECT_ROOT, encoding: "utf8" });
  expect(result.status).toBe(0);
  // The names TypeScript declares on the installed module's first lines (`exports.a = exports.b = ... = void 0;`).
  const source = readFileSync(join(PROJECT_ROOT, "node_modules", "@cdktf", "hcl2cdk", "lib", "index.js"), "utf8");
  const declared = /^exports\.\w+(?: = exports\.\w+)* = void 0;$/m.exec(source)?.[0].match(/(?<=exports\.)\w+/g);
  const shown = JSON.parse(result.stdout);
  expect([...shown.names].sort()).toEqual([...(declared ?? [])].sort());
  expect(shown).toMatchObject({ esModule: true, before: [], formatted: "a = 1\n", after: ["hcl-tools"] });
});
