// Tools benchmark: doctor against the loopback IdP and ORDS-like resource (in process, through the CLI on flags, and
// `doctor <env>` for an environment whose outputs file exists, so no terraform runs), and the CLI's start-up next to
// bare node. Medians and ratios to the targets only; nothing passes or fails on time.
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { doctor } from "../src/commands/doctor";
import { outputsFileFor } from "../src/state-files";
import { type JwtWorld, startJwtWorld } from "../test/support/jwt-world";
import { ROOT, run, runCli } from "./spawn";
import { median, ms, timePairs, timeRuns } from "./stats";
import { type Section, TARGETS } from "./targets";

/**
 * A project directory in which `doctor bench` needs no terraform: environments/bench.json is the OCI example
 * aimed at the loopback IdP (as test/support/tool-environment.ts does), and state/ holds what deploy leaves: a
 * local state file with a resource and the outputs file, from which the JWK URL is read.
 */
function deployedProject(dir: string, world: JwtWorld): void {
  const json = JSON.parse(readFileSync(join(ROOT, "environments", "examples", "oci.json"), "utf8"));
  json.identityProvider.app.primaryAudience = world.idp.audience;
  json.identityProvider.app.scopes = world.idp.scopes.map((value) => ({ value, description: `scope ${value}` }));
  json.identityProvider.issuer = world.idp.issuer;
  delete json.ords; // no database: the profile checks say skip, as for any environment without an ords section
  mkdirSync(join(dir, "environments"));
  mkdirSync(join(dir, "state"));
  writeFileSync(join(dir, "environments", "bench.json"), JSON.stringify(json));
  const resource = { mode: "managed", type: "terraform_data", name: "bench" };
  writeFileSync(
    join(dir, "state", "bench.tfstate"),
    JSON.stringify({ version: 4, outputs: {}, resources: [resource] }),
  );
  writeFileSync(outputsFileFor(join(dir, "state"), "bench"), JSON.stringify({ bench: { jwk_url: world.idp.jwkUrl } }));
}

/**
 * Node reads NODE_EXTRA_CA_CERTS as it starts, before any code runs: with a system bundle of ~150 certificates that
 * is most of a bare start here, and every command pays it too. Said next to bare node, so the figures read right.
 */
function certificateNote(): string {
  const file = process.env.NODE_EXTRA_CA_CERTS;
  return file === undefined || file === "" ? "" : ` (NODE_EXTRA_CA_CERTS is set: node reads ${file} as it starts)`;
}

export async function benchTools(runs = 15): Promise<Section> {
  const lines = [`tools (median of ${runs} runs after a warm-up; loopback IdP and ORDS-like resource):`];
  const world = await startJwtWorld();
  const scratch = mkdtempSync(join(tmpdir(), "bench-tools-"));
  try {
    const token = await world.idp.mint();
    const tokenFile = join(scratch, "token");
    writeFileSync(tokenFile, token, { mode: 0o600 });
    const flags = { ...world.expected, url: world.endpoint, http: { allowInsecure: true }, log: () => undefined };

    const inProcess = await timeRuns(runs, async () => {
      const result = await doctor({ ...flags, tokenFile });
      if (result.checks.some((check) => check.status === "fail")) throw new Error("bench doctor run failed a check");
    });
    lines.push(`  doctor in process (JWKS, token checks, both endpoint calls): ${ms(median(inProcess))}`);

    const common = ["--url", world.endpoint, "--token-file", tokenFile, "--allow-insecure", "--json"];
    const onFlags = ["doctor", "--issuer", world.expected.issuer, "--audience", world.expected.audience];
    onFlags.push("--jwk-url", world.expected.jwkUrl, "--privilege", world.expected.privilege, ...common);
    const throughCli = await timeRuns(runs, () => runCli(onFlags));
    lines.push(`  doctor on flags through the CLI, start-up included: ${ms(median(throughCli))}`);

    const project = join(scratch, "project");
    mkdirSync(project);
    deployedProject(project, world);
    const withEnvironment = await timeRuns(runs, () => runCli(["doctor", "bench", ...common], { cwd: project }));
    const doctorEnv = median(withEnvironment);
    lines.push(`  doctor <env> through the CLI (outputs file, no terraform), start-up included: ${ms(doctorEnv)}`);

    // Both through the same spawn, so the ratio compares like with like, and in turn, pair by pair.
    const paired = await timePairs(
      runs,
      () => runCli(["--help"]),
      () => run(process.execPath, ["-e", "0"]),
    );
    const [helpMedian, bareMedian, helpRatio] = [median(paired.a), median(paired.b), median(paired.ratios)];
    lines.push(
      `  bare node (node -e 0): ${ms(bareMedian)}${certificateNote()}`,
      `  ords-jwt --help: ${ms(helpMedian)} (${helpRatio.toFixed(2)}× bare node, the median of ${runs} pairs)`,
    );
    const doctorHelp = await timeRuns(runs, () => runCli(["doctor", "--help"]));
    lines.push(`  ords-jwt doctor --help: ${ms(median(doctorHelp))}`);
    return {
      lines,
      rows: [
        {
          what: "ords-jwt --help",
          target: `≤ ${TARGETS.helpOverBareNode.toFixed(2)}× bare node`,
          measured: `${helpRatio.toFixed(2)}× (${ms(helpMedian)} / ${ms(bareMedian)})`,
          ratio: helpRatio / TARGETS.helpOverBareNode,
        },
        {
          what: "doctor <env> on loopback",
          target: `≤ ${TARGETS.doctorEnvMs} ms`,
          measured: ms(doctorEnv),
          ratio: doctorEnv / TARGETS.doctorEnvMs,
        },
      ],
    };
  } finally {
    rmSync(scratch, { recursive: true, force: true });
    await world.close();
  }
}
