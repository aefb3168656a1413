// npm test's own output: jest's report and real failures; a skipped live test is named once, with how to run it.
import { join } from "node:path";
import { PROJECT_ROOT } from "./support/environments";
import { runCommand } from "./support/run-cli";

test("names the skipped live test once, with the variables that run it, in a short report", () => {
  const run = runCommand(
    process.execPath,
    [join(PROJECT_ROOT, "node_modules", "jest", "bin", "jest.js"), "test/ords-live.test.ts"],
    { ORDS_LIVE_CONNECT_STRING: "", ORDS_LIVE_USER: "", CI: "true" },
  );
  expect(run.status).toBe(0);
  const output = `${run.stdout}${run.stderr}`;
  expect(output.match(/SKIPPED test\/ords-live\.test\.ts/g)).toHaveLength(1);
  expect(output).toContain("ORDS_LIVE_CONNECT_STRING, ORDS_LIVE_USER and ORDS_DB_PASSWORD");
  expect(output.trim().split("\n").length).toBeLessThan(15);
});
