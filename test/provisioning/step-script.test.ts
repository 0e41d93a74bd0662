// The step script, run for real by bash as root: files → validate → run → reload, idempotence,
// restore on failed validation, secrets from stdin, convergence after an interruption.
// /var/lib/vigil is a bind mount of a temp dir inside a private mount namespace, so the test
// leaves this machine untouched.
import { before, describe, test } from "node:test";
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { chmodSync, existsSync, mkdirSync, readFileSync, readdirSync, rmSync, statSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { stepHash, type PlanStep } from "../../provisioning/plan.ts";
import { secretsStdin, stagedFiles, stageDir, stepCommand, VIGIL_LIB } from "../../provisioning/step-script.ts";
import { scratchDir } from "../scratch-dir.ts";

// Fresh directories for the whole sequence (set in before(): npm run mutate's in-process runner
// runs the sequence again for each mutant, and each run must start from an empty host).
let lib: string;
let root: string;
let log: string;
let conf: string;
let secretFile: string;

/** Uploads the step like `vigil apply` does and runs its command; returns what the host said. */
function apply(step: PlanStep, stdin = "") {
  for (const f of stagedFiles(step)) {
    const target = join(lib, stageDir(step).slice(VIGIL_LIB.length), f.path);
    mkdirSync(dirname(target), { recursive: true });
    writeFileSync(target, f.content, { mode: parseInt(f.mode, 8) });
  }
  const r = spawnSync(
    "unshare",
    ["--mount", "--propagation", "private", "sh", "-c", `mkdir -p ${VIGIL_LIB} && mount --bind "$0" ${VIGIL_LIB} && exec ${stepCommand(step)}`, lib],
    { input: stdin, encoding: "utf8" },
  );
  const last = r.stdout.trim().split("\n").pop();
  return { code: r.status, stdout: r.stdout, stderr: r.stderr, result: last };
}

const demo = (content: string, extra: Partial<PlanStep> = {}): PlanStep => ({
  id: "demo",
  description: "a demo service",
  files: [{ path: conf, mode: "0640", owner: "root:nogroup", content }],
  validate: `grep -q '^valid' ${conf}`,
  reload: `echo reload >> ${log}`,
  ...extra,
});
const reloads = () => (existsSync(log) ? readFileSync(log, "utf8").split("\n").filter(Boolean).length : 0);

// The tests form one sequence on one host: each starts from the state the previous ones left.
describe("the step script on a host", () => {
  before(() => {
    lib = scratchDir("vigil-lib-");
    root = scratchDir("vigil-target-");
    log = join(root, "log");
    conf = join(root, "etc/demo/demo.conf");
    secretFile = join(root, "etc/demo/token");
  });

  test("a new step writes its files with mode and owner, reloads, and records its hash", () => {
    const step = demo("valid one\n");
    const r = apply(step);
    assert.equal(r.code, 0, r.stderr);
    assert.equal(r.result, "vigil-step: changed");
    assert.equal(readFileSync(conf, "utf8"), "valid one\n");
    assert.equal((statSync(conf).mode & 0o777).toString(8), "640");
    assert.equal(spawnSync("stat", ["-c", "%U:%G", conf], { encoding: "utf8" }).stdout.trim(), "root:nogroup");
    assert.equal(readFileSync(join(lib, "state/demo.hash"), "utf8").trim(), stepHash(step));
    assert.equal(reloads(), 1);
  });

  test("re-applying the same step is a no-op: unchanged, no reload", () => {
    const r = apply(demo("valid one\n"));
    assert.equal(r.result, "vigil-step: unchanged");
    assert.equal(reloads(), 1);
  });

  test("a drifted mode is put back", () => {
    chmodSync(conf, 0o666);
    const r = apply(demo("valid one\n"));
    assert.equal(r.result, "vigil-step: changed");
    assert.equal((statSync(conf).mode & 0o777).toString(8), "640");
  });

  test("an owner-only drift (content and mode intact) is put back", () => {
    // nobody:nogroup instead of root:nogroup: the same bytes and the same 0640, only the owner moved.
    assert.equal(spawnSync("chown", ["nobody:nogroup", conf]).status, 0);
    assert.equal((statSync(conf).mode & 0o777).toString(8), "640");
    const r = apply(demo("valid one\n"));
    assert.equal(r.code, 0, r.stderr);
    assert.equal(r.result, "vigil-step: changed");
    assert.equal(spawnSync("stat", ["-c", "%U:%G", conf], { encoding: "utf8" }).stdout.trim(), "root:nogroup");
    // A group-only drift too (the comparison is of user and group).
    assert.equal(spawnSync("chgrp", ["root", conf]).status, 0);
    assert.equal(apply(demo("valid one\n")).result, "vigil-step: changed");
    assert.equal(spawnSync("stat", ["-c", "%U:%G", conf], { encoding: "utf8" }).stdout.trim(), "root:nogroup");
    assert.equal(apply(demo("valid one\n")).result, "vigil-step: unchanged");
  });

  test("a config that fails validation is rolled back and the step fails", () => {
    const before = reloads();
    const r = apply(demo("broken\n"));
    assert.equal(r.code, 1);
    assert.match(r.stderr, /validation failed; the previous files are back in place/);
    assert.equal(readFileSync(conf, "utf8"), "valid one\n");
    assert.equal(reloads(), before, "reloaded after a failed validation");
    // A brand-new file that fails validation is removed again.
    const fresh = join(root, "etc/demo/new.conf");
    const r2 = apply({ ...demo("valid one\n"), id: "demo-new", files: [{ path: fresh, mode: "0644", owner: "root:root", content: "x" }], validate: "false" });
    assert.equal(r2.code, 1);
    assert.equal(existsSync(fresh), false);
  });

  test("every line of a validate counts, and an exit in it still restores the old files", () => {
    const before = readFileSync(conf, "utf8");
    for (const validate of [`false\ntrue`, `exit 3`]) {
      const r = apply(demo("valid but rejected\n", { validate }));
      assert.equal(r.code, 1, validate);
      assert.equal(readFileSync(conf, "utf8"), before, `not restored after: ${validate}`);
    }
  });

  test("an apply interrupted before it finished converges on the next run", () => {
    const step = demo("valid two\n");
    assert.equal(apply(step).result, "vigil-step: changed");
    // As if the connection died after the files were written but before the reload and the hash.
    rmSync(join(lib, "state/demo.hash"));
    const before = reloads();
    const r = apply(step);
    assert.equal(r.result, "vigil-step: changed");
    assert.equal(reloads(), before + 1);
    assert.equal(apply(step).result, "vigil-step: unchanged");
  });

  test("a failing probe re-runs an otherwise unchanged step", () => {
    const flag = join(root, "installed");
    const step = demo("valid two\n", { probe: `test -e ${flag}`, run: `touch ${flag}` });
    assert.equal(apply(step).result, "vigil-step: changed");
    assert.equal(apply(step).result, "vigil-step: unchanged");
    rmSync(flag);
    assert.equal(apply(step).result, "vigil-step: changed");
    assert.ok(existsSync(flag));
  });

  test("secrets come from stdin into 0600 files and never touch the stage", () => {
    const step: PlanStep = {
      id: "demo-secret",
      description: "a secret file",
      files: [{ path: secretFile, mode: "0600", owner: "root:root", secret: "apiToken" }],
    };
    const value = "s3cr'et \"with\" $pecial\nchars";
    const r = apply(step, secretsStdin(step, { apiToken: value }));
    assert.equal(r.code, 0, r.stderr);
    assert.equal(readFileSync(secretFile, "utf8"), value);
    assert.equal((statSync(secretFile).mode & 0o777).toString(8), "600");
    assert.equal(apply(step, secretsStdin(step, { apiToken: value })).result, "vigil-step: unchanged");
    assert.equal(apply(step, secretsStdin(step, { apiToken: "rotated" })).result, "vigil-step: changed");
    assert.equal(readFileSync(secretFile, "utf8"), "rotated");
    for (const f of readdirSync(lib, { recursive: true, encoding: "utf8" })) {
      const p = join(lib, f);
      if (statSync(p).isFile()) assert.doesNotMatch(readFileSync(p, "utf8"), /rotated|s3cr/);
    }
    const missing = apply(step, "");
    assert.equal(missing.code, 1);
    assert.match(missing.stderr, /secret apiToken was not provided/);
    assert.throws(() => secretsStdin(step, {}), /secret "apiToken" has no value \(step demo-secret\)/);
  });

  test("while the step runs, a secret exists only in RAM under /run, not in the stage or state; after it, nowhere", () => {
    // The check runs inside the step (its validate hook sees the script's variables), because the
    // script's exit trap removes the secrets directory before any scan from outside could look.
    // The value is read back from the secrets file, so the hook's own text (staged as step.sh)
    // does not contain it.
    const report = join(root, "secret-report");
    const step: PlanStep = {
      id: "demo-secret-live",
      description: "a secret file, checked while it is written",
      files: [{ path: join(root, "etc/demo/live-token"), mode: "0600", owner: "root:root", secret: "liveToken" }],
      validate: `value=$(cat "$secrets/liveToken")
  {
    echo "dir $secrets"
    grep -rlF -- "$value" "$secrets" | sed 's/^/run /'
    grep -rlF -- "$value" ${VIGIL_LIB} | sed 's/^/disk /' || true
  } > ${report}`,
    };
    const value = `live-${Date.now()}-secret`;
    let dir: string | undefined;
    try {
      const r = apply(step, secretsStdin(step, { liveToken: value }));
      assert.equal(r.code, 0, r.stderr);
      const lines = readFileSync(report, "utf8").trim().split("\n");
      dir = lines.find((l) => l.startsWith("dir "))!.slice(4);
      assert.match(dir, /^\/run\/[^/]+$/, "the secrets directory is not directly under /run");
      // Proves the scan can see the value: exactly one copy, the secrets file under /run.
      assert.deepEqual(lines.filter((l) => l.startsWith("run ")), [`run ${dir}/liveToken`]);
      assert.deepEqual(lines.filter((l) => l.startsWith("disk ")), [], "a copy of the secret in the stage or state directories");
      assert.equal(existsSync(dir), false, `the secrets directory ${dir} is left after the step`);
      assert.equal(readFileSync(step.files[0]!.path, "utf8"), value);
    } finally {
      if (dir?.startsWith("/run/")) rmSync(dir, { recursive: true, force: true });
    }
  });

  test("only the current staging directory of a step is kept; a step whose id extends it is untouched", () => {
    const stages = () => readdirSync(join(lib, "stage")).filter((d) => /^demo-[0-9a-f]{16}$/.test(d));
    assert.deepEqual(stages(), [`demo-${stepHash(demo("valid two\n", { probe: `test -e ${join(root, "installed")}`, run: `touch ${join(root, "installed")}` }))}`]);
    assert.ok(readdirSync(join(lib, "stage")).some((d) => d.startsWith("demo-secret-")));
  });

  test("the script text is deterministic and the command is the same for every caller", () => {
    const a = stagedFiles(demo("x\n"));
    const b = stagedFiles(demo("x\n"));
    assert.deepEqual(a, b);
    assert.equal(stepCommand(demo("x\n")), `bash ${stageDir(demo("x\n"))}/step.sh`);
    assert.equal(stepCommand(demo("x\n"), { sudo: true }), `sudo -n bash ${stageDir(demo("x\n"))}/step.sh`);
    assert.notEqual(stageDir(demo("x\n")), stageDir(demo("y\n")));
  });

  test("a step with two secrets receives both (the remote-write step has two)", () => {
    const a = join(root, "etc/demo/two-a");
    const b = join(root, "etc/demo/two-b");
    const step: PlanStep = {
      id: "demo-two-secrets",
      description: "two secret files",
      files: [
        { path: a, mode: "0600", owner: "root:root", secret: "firstToken" },
        { path: b, mode: "0600", owner: "root:root", secret: "secondToken" },
      ],
    };
    const r = apply(step, secretsStdin(step, { firstToken: "one", secondToken: "two" }));
    assert.equal(r.code, 0, r.stderr);
    assert.deepEqual([readFileSync(a, "utf8"), readFileSync(b, "utf8")], ["one", "two"]);
    const missing = apply(step, secretsStdin({ ...step, files: [step.files[0]!] }, { firstToken: "one" }));
    assert.equal(missing.code, 1);
    assert.match(missing.stderr, /secret secondToken was not provided/);
  });

  test("a secret name on stdin that could leave the secrets directory is refused, and nothing is written", () => {
    const target = join(root, "etc/demo/name-token");
    const step: PlanStep = { id: "demo-secret-name", description: "a secret file", files: [{ path: target, mode: "0600", owner: "root:root", secret: "nameToken" }] };
    // "$secrets/<name>" with this name would be /tmp/<...> (the secrets directory is /run/tmp.X).
    const escaped = `/tmp/vigil-escaped-${process.pid}`;
    const hostile = `../..${escaped} ${Buffer.from("planted").toString("base64")}\n`;
    try {
      const r = apply(step, hostile + secretsStdin(step, { nameToken: "the-value" }));
      assert.equal(r.code, 1, r.stdout);
      assert.match(r.stderr, /vigil-step: refusing a secret name that is not \[A-Za-z\]\[A-Za-z0-9_\]\*/);
      assert.equal(existsSync(escaped), false, "a file written outside the secrets directory");
      assert.equal(existsSync(target), false, "the step went on after the refusal");
    } finally {
      rmSync(escaped, { force: true });
    }
  });
});
