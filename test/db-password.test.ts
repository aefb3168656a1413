// Where the DB password comes from, and what is said when it is missing: unset without a terminal, or an empty
// answer at the prompt (the user was just asked, so "run it in a terminal" would mislead).
import { dbPassword } from "../src/ords/connect";
import type { OrdsConnectionSpec } from "../src/ords/spec";
import { sentinelSecret } from "./support/sentinel";

const connection: OrdsConnectionSpec = {
  connectString: "localhost:1521/FREEPDB1",
  user: "HR",
  schema: "HR",
  adminMode: false,
  wallet: null,
};

test("fails when the answer at the prompt is empty, saying it was empty", async () => {
  const error = await dbPassword(connection, { env: {}, prompt: async () => "" }).catch((caught: unknown) => caught);
  expect(error).toMatchObject({ code: "CONFIG_DB_PASSWORD_MISSING", message: "The password for HR was empty" });
  expect((error as Error).message).not.toContain("is not set");
  expect((error as { fix: string }).fix).not.toContain("in a terminal");
});

test("fails when ORDS_DB_PASSWORD is unset and there is no terminal, naming the variable", async () => {
  await expect(dbPassword(connection, { env: {}, prompt: false })).rejects.toMatchObject({
    message: expect.stringContaining("ORDS_DB_PASSWORD is not set"),
  });
});

test("takes the typed answer when it is not empty", async () => {
  const typed = sentinelSecret("db-password");
  expect((await dbPassword(connection, { env: {}, prompt: async () => typed })).reveal()).toBe(typed);
});
