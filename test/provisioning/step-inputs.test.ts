// What a step uploads and what it reads on stdin (provisioning/step-script.ts), checked without a
// host: the staged files, the stdin lines, derived secrets and the names secrets travel under.
// The script itself runs for real in step-script.test.ts.
import { test } from "node:test";
import assert from "node:assert/strict";
import { DERIVED_PLACEHOLDER, secretInputName, type PlanFile, type PlanStep } from "../../provisioning/plan.ts";
import { deriveSecret, secretFileContent, secretsStdin, stagedFiles, stepScript } from "../../provisioning/step-script.ts";

const derived = (label: string): PlanFile => ({
  path: `/etc/demo/${label}.yaml`,
  mode: "0600",
  owner: "root:root",
  secret: "fleetKey",
  derived: { label, template: `password: ${DERIVED_PLACEHOLDER}\n` },
});
const step = (files: PlanFile[]): PlanStep => ({ id: "demo", description: "a demo step", files, run: "true" });

test("only content files and the script are staged: a secret file never is", () => {
  const s = step([
    { path: "/etc/demo/a.conf", mode: "0644", owner: "root:root", content: "a\n" },
    { path: "/etc/demo/token", mode: "0600", owner: "root:root", secret: "apiToken" },
    derived("machine:app-1"),
  ]);
  assert.deepEqual(
    stagedFiles(s).map((f) => [f.path, f.mode]),
    [
      ["files/etc/demo/a.conf", "0600"],
      ["step.sh", "0700"],
    ],
  );
  assert.equal(stagedFiles(s)[0]!.content, "a\n");
});

test("stdin: one line per secret input, sorted by name, each once, the file's content in base64", () => {
  // In file order the names are neither ascending nor descending (fleetKey_d…, zetaToken, alphaToken).
  const files = [
    derived("machine:app-1"),
    { path: "/etc/demo/z", mode: "0600", owner: "root:root", secret: "zetaToken" },
    { path: "/etc/demo/a", mode: "0600", owner: "root:root", secret: "alphaToken" },
    { path: "/etc/demo/z2", mode: "0600", owner: "root:root", secret: "zetaToken" },
  ];
  const key = "0123456789abcdef-fleet-key";
  const lines = secretsStdin(step(files), { zetaToken: "z-value", alphaToken: "a-value", fleetKey: key }).split("\n");
  assert.equal(lines.pop(), "", "ends with a newline");
  const names = lines.map((l) => l.split(" ")[0]!);
  assert.deepEqual(names, ["alphaToken", secretInputName(files[0]!), "zetaToken"]);
  assert.deepEqual(names, [...names].sort());
  const value = (name: string) => Buffer.from(lines.find((l) => l.startsWith(`${name} `))!.split(" ")[1]!, "base64").toString("utf8");
  assert.equal(value("alphaToken"), "a-value");
  assert.equal(value(secretInputName(files[0]!)), `password: ${deriveSecret(key, "machine:app-1")}\n`);
});

test("a derived secret needs a value of at least 16 characters", () => {
  const f = derived("machine:app-1");
  assert.throws(() => secretFileContent(f, "x".repeat(15)), /secret "fleetKey" is shorter than 16 characters: too weak to derive \/etc\/demo\/machine:app-1\.yaml/);
  assert.equal(secretFileContent(f, "x".repeat(16)), `password: ${deriveSecret("x".repeat(16), "machine:app-1")}\n`);
  // A plain secret file is the value itself, whatever its length.
  assert.equal(secretFileContent({ path: "/etc/t", mode: "0600", owner: "root:root", secret: "apiToken" }, "short"), "short");
});

test("the script refuses a secret that could name a file outside its directory", () => {
  // The schema's secret names are [A-Za-z][A-Za-z0-9_]*; the script checks again, since the name
  // becomes a file name under $secrets.
  for (const secret of ["../../etc/shadow", "a/b", "9lives", "a-b"]) {
    assert.throws(
      () => stepScript(step([{ path: "/etc/demo/t", mode: "0600", owner: "root:root", secret }])),
      (e: Error) => e.message === `step demo: ${JSON.stringify(secret)} is not a secret name`,
      secret,
    );
  }
  assert.doesNotThrow(() => stepScript(step([{ path: "/etc/demo/t", mode: "0600", owner: "root:root", secret: "apiToken_2" }])));
});
