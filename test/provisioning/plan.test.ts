// The plan model's identities (provisioning/plan.ts) and the one shell quoting
// (provisioning/shell-quote.ts): what makes a changed step run again, which secrets a step asks
// for and under which names, and that a quoted value reaches bash as exactly itself.
import { test } from "node:test";
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { DERIVED_PLACEHOLDER, secretInputName, stepHash, stepSecretInputs, stepSecrets, type PlanFile, type PlanStep } from "../../provisioning/plan.ts";
import { shq } from "../../provisioning/shell-quote.ts";

const derivedFile = (label: string, template = `password: ${DERIVED_PLACEHOLDER}\n`): PlanFile => ({
  path: `/etc/demo/${label}.yaml`,
  mode: "0600",
  owner: "root:root",
  secret: "fleetKey",
  derived: { label, template },
});
const step = (files: PlanFile[]): PlanStep => ({ id: "demo", description: "a demo step", files });

test("a derived file's label and template are part of the step's identity", () => {
  // A host renamed (a new label) or a new credential file layout (a new template) must re-run
  // the step on the host; the same step gives the same hash.
  const base = stepHash(step([derivedFile("machine:app-1")]));
  assert.equal(stepHash(step([derivedFile("machine:app-1")])), base);
  assert.notEqual(stepHash(step([derivedFile("machine:app-2")])), base, "label changed, hash kept");
  assert.notEqual(stepHash(step([derivedFile("machine:app-1", `key: ${DERIVED_PLACEHOLDER}\n`)])), base, "template changed, hash kept");
});

test("stepSecrets names each spec secret once, sorted; files without a secret name none", () => {
  const files: PlanFile[] = [
    { path: "/etc/b", mode: "0600", owner: "root:root", secret: "zetaToken" },
    { path: "/etc/plain", mode: "0644", owner: "root:root", content: "x" },
    { path: "/etc/a", mode: "0600", owner: "root:root", secret: "alphaToken" },
    { path: "/etc/c", mode: "0600", owner: "root:root", secret: "zetaToken" },
  ];
  assert.deepEqual(stepSecrets(step(files)), ["alphaToken", "zetaToken"]);
  assert.deepEqual(stepSecrets(step([files[1]!])), []);
});

test("a secret file's stdin name: the secret's own, or per derived file its own digest", () => {
  assert.equal(secretInputName({ path: "/etc/t", mode: "0600", owner: "root:root", secret: "apiToken" }), "apiToken");
  const machine = secretInputName(derivedFile("machine:app-1"));
  assert.match(machine, /^fleetKey_d[0-9a-f]{16}$/);
  assert.notEqual(secretInputName(derivedFile("bouncer:app-1")), machine);
  assert.throws(() => secretInputName({ path: "/etc/plain", mode: "0644", owner: "root:root", content: "x" }), /^Error: \/etc\/plain is not a secret file$/);
});

test("stepSecretInputs lists each stdin name once, sorted", () => {
  const files = [derivedFile("machine:b"), { path: "/etc/t", mode: "0600", owner: "root:root", secret: "apiToken" }, derivedFile("machine:a"), derivedFile("machine:b")];
  const names = stepSecretInputs(step(files));
  assert.equal(names.length, 3);
  assert.deepEqual(names, [...names].sort());
  assert.deepEqual(new Set(names), new Set(files.map(secretInputName)));
  // Sorted, not in file order: the order of the files here is not the sorted one.
  assert.notDeepEqual([...new Set(files.map(secretInputName))], names);
});

test("shq: bash receives every value as exactly itself, as one word", () => {
  const hostile = ["", "plain", "it's", "''", "'a'b'c'", "a b\tc", "$(touch /tmp/pwned)", "`id`", "$HOME ${x} \\ \\'", 'say "hi"', "line\nbreak", "*", "-n", "; rm -rf / #", "é ✓"];
  for (const value of hostile) {
    // printf %s prints its first argument; $# counts the words bash saw.
    const r = spawnSync("bash", ["-c", `set -- ${shq(value)}; printf '%s|%s' "$#" "$1"`], { encoding: "utf8" });
    assert.equal(r.status, 0, `${JSON.stringify(value)}: ${r.stderr}`);
    assert.equal(r.stdout, `1|${value}`, JSON.stringify(value));
  }
  // The quoting is plain single quotes: nothing in the text is expanded or interpreted.
  assert.equal(shq("a'b"), `'a'\\''b'`);
});
