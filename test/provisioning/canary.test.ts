// The canary test: every free string field of the schema, given shell, template, quoting and path
// payloads, is either refused by validation with a located message, or rendered and its changed
// step scripts EXECUTED by bash as root, after which no canary file exists, every step passed
// its own validator (promtool, amtool, blackbox --config.check, the agent's --check-config) and
// no secret value appears in any output.
//
// Where the steps run: a private mount namespace (like step-script.test.ts) with an overlay over
// /etc, /var, /usr/local and /run whose upper layers live in a tmpfs of that namespace: the steps
// write their real paths and this machine keeps none of it. Commands that would change the
// machine beyond files (apt-get, systemctl, useradd, setfacl, runuser, cscli) are stubs that
// exit 0; the validators are the real Debian tools.
import { test } from "node:test";
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import fc from "fast-check";
import { stringify } from "yaml";
import { loadSpecText } from "../../schema/load-spec.ts";
import { formatPath } from "../../schema/spec-errors.ts";
import type { Spec } from "../../schema/spec-schema.ts";
import { stepSecrets, type PlanStep } from "../../provisioning/plan.ts";
import { offlineContext } from "../../provisioning/address-contexts.ts";
import { planForHost } from "../../provisioning/host-plan.ts";
import { secretsStdin, stagedFiles, stageDir, stepScript, VIGIL_LIB } from "../../provisioning/step-script.ts";
import { scratchDir } from "../scratch-dir.ts";

type Json = null | boolean | number | string | Json[] | { [k: string]: Json };
type Path = (string | number)[];

const BASE_TEXT = readFileSync(new URL("./canary-spec.yaml", import.meta.url), "utf8");
const HOST = "box";
/** Secret values: each carries a marker no output may show, and shell syntax that must stay data. */
const SECRETS: Record<string, string> = {
  pagerdutyKey: "s3cr3t-pd-$(touch CANARY)",
  slackWebhook: "https://hooks.slack.com/services/s3cr3t-slack",
  smtpPassword: "s3cr3t-smtp'\"`touch CANARY`",
  heartbeatUrl: "https://hc.example.com/ping/s3cr3t-beat?a=1&b='x'",
  mimirPassword: "s3cr3t-mimir'\"$(touch CANARY)",
  grafanaCloudToken: "s3cr3t-grafana`touch CANARY`",
  // Never on a host itself: the CrowdSec steps get HMACs of it (hex), which the marker check proves.
  crowdsecFleetKey: "s3cr3t-fleet'\"$(touch CANARY)",
  // Netdata's stream key must be a UUID (the step refuses anything else), so it cannot carry the marker.
  netdataStreamKey: "0b7c5c1e-2f4a-4d2e-9b3f-5a6c7d8e9f01",
};
const SECRET_MARKER = /s3cr3t/;

/**
 * Values for every secret a step reads. A payload appended to a secret's name (`pagerdutyKey` →
 * `pagerdutyKeya`) leaves a valid name: it gets the value of the name it grew from; a name made of
 * the payload alone gets a URL-shaped value (valid wherever a secret is a URL, a key or a password).
 */
function secretValues(step: PlanStep): Record<string, string> {
  const known = Object.keys(SECRETS).sort((a, b) => b.length - a.length);
  return Object.fromEntries(
    stepSecrets(step).map((name) => [name, SECRETS[name] ?? SECRETS[known.find((k) => name.startsWith(k)) ?? ""] ?? "https://s3cr3t.example.com/hook"]),
  );
}

/** The fixed payloads of the issue: command substitution, backticks, quotes, newline, tab, templates, IFS, traversal. */
const PAYLOADS = [
  "$(touch CANARY)",
  "`touch CANARY`",
  "';touch CANARY;'",
  '";touch CANARY;"',
  "\ntouch CANARY\n",
  "\t$(touch${IFS}CANARY)",
  "{{ .CommonLabels }}",
  "${IFS}touch${IFS}CANARY",
  "../../../../tmp/CANARY",
  "x'\"\\$(touch CANARY)`touch CANARY`",
];

function loadBase(): Spec {
  const r = loadSpecText(BASE_TEXT, "canary-spec.yaml");
  if (!r.ok) throw new Error(JSON.stringify(r.errors));
  return r.spec;
}
const base = loadBase();

// ---- which fields are free strings -------------------------------------------------------------

type Schema = { [k: string]: unknown };

/** Generalised paths of every string the schema allows (`[]` an item, `{}` a map value, `{key}` a map key). */
function schemaStringPaths(schema: Schema, at: string, maps: Set<string>): string[] {
  const out: string[] = [];
  if (schema.type === "string" && schema.enum === undefined && schema.const === undefined) out.push(at);
  for (const [k, v] of Object.entries((schema.properties ?? {}) as Record<string, Schema>)) out.push(...schemaStringPaths(v, at === "" ? k : `${at}.${k}`, maps));
  if (typeof schema.items === "object" && schema.items !== null) out.push(...schemaStringPaths(schema.items as Schema, `${at}[]`, maps));
  for (const v of Object.values((schema.patternProperties ?? {}) as Record<string, Schema>)) {
    maps.add(at);
    out.push(`${at}{key}`, ...schemaStringPaths(v, `${at}{}`, maps));
  }
  for (const branch of [...((schema.anyOf ?? []) as Schema[]), ...((schema.oneOf ?? []) as Schema[])]) out.push(...schemaStringPaths(branch, at, maps));
  return out;
}

/** The first concrete path in `data` of every generalised string path it holds. */
function concretePaths(data: Json, maps: Set<string>, at = "", path: Path = [], out = new Map<string, Path>()): Map<string, Path> {
  if (typeof data === "string") {
    if (!out.has(at)) out.set(at, path);
  } else if (Array.isArray(data)) {
    data.forEach((item, i) => concretePaths(item, maps, `${at}[]`, [...path, i], out));
  } else if (data !== null && typeof data === "object") {
    for (const [k, v] of Object.entries(data)) {
      if (maps.has(at)) {
        if (!out.has(`${at}{key}`)) out.set(`${at}{key}`, [...path, k, "{key}"]);
        concretePaths(v, maps, `${at}{}`, [...path, k], out);
      } else {
        concretePaths(v, maps, at === "" ? k : `${at}.${k}`, [...path, k], out);
      }
    }
  }
  return out;
}

const schemaJson = JSON.parse(readFileSync("schema/vigil.schema.json", "utf8")) as Schema;
const maps = new Set<string>();
const stringFields = [...new Set(schemaStringPaths(schemaJson, "", maps))].sort();
const targets = concretePaths(structuredClone(base) as unknown as Json, maps);

/** The spec with the string at `path` (or the map key, for `{key}` paths) set to `value`. */
function mutate(path: Path, value: (old: string) => string): Json {
  const copy = structuredClone(base) as unknown as Json;
  const isKey = path[path.length - 1] === "{key}";
  const parts = isKey ? path.slice(0, -1) : path;
  let parent = copy as Record<string | number, Json>;
  for (const part of parts.slice(0, -1)) parent = parent[part] as Record<string | number, Json>;
  const last = parts[parts.length - 1]!;
  if (isKey) {
    const entries = Object.entries(parent).map(([k, v]): [string, Json] => [k === last ? value(String(last)) : k, v]);
    for (const k of Object.keys(parent)) delete parent[k];
    for (const [k, v] of entries) parent[k] = v;
  } else {
    parent[last] = value(parent[last] as string);
  }
  return copy;
}

// ---- running steps for real --------------------------------------------------------------------

const STUBS = ["apt-get", "apt", "systemctl", "useradd", "setfacl", "runuser", "cscli", "journalctl", "deb-systemd-invoke", "invoke-rc.d"];

function stubDir(): string {
  const dir = scratchDir("vigil-canary-stubs-");
  for (const name of STUBS) writeFileSync(join(dir, name), "#!/bin/sh\nexit 0\n", { mode: 0o755 });
  writeFileSync(join(dir, "dpkg-query"), "#!/bin/sh\nprintf 'install ok installed'\n", { mode: 0o755 });
  return dir;
}
const stubs = stubDir();

/** The step's text as the host receives it: script and staged files. */
const stepKey = (step: PlanStep): string => JSON.stringify(stagedFiles(step));

/** A batch entry: the steps one spec variant changed, named for messages. */
interface Batch {
  label: string;
  steps: PlanStep[];
}

/**
 * Runs every batch's steps as root in ONE throw-away overlay (a namespace per variant would cost
 * minutes), one after the other. After each step the canary places are searched and cleared, so
 * a canary is attributed to the variant that made it. Returns, per label, canaries and failures.
 */
function runBatches(batches: Batch[]): { output: string; canaries: Map<string, string[]>; failed: Map<string, string[]> } {
  const src = mkdtempSync(join(tmpdir(), "vigil-canary-src-"));
  const cwd = mkdtempSync(join(tmpdir(), "vigil-canary-cwd-"));
  const lines: string[] = [];
  try {
    batches.forEach((batch, b) => {
      batch.steps.forEach((step, i) => {
        const stage = stageDir(step).slice(VIGIL_LIB.length);
        for (const f of stagedFiles(step)) {
          const target = join(src, "lib", stage, f.path);
          mkdirSync(dirname(target), { recursive: true });
          writeFileSync(target, f.content, { mode: parseInt(f.mode, 8) });
        }
        writeFileSync(join(src, `stdin-${b}-${i}`), secretsStdin(step, secretValues(step)));
        // A step removes the other staging directories of its id: copy each one in just before it runs.
        lines.push(
          `mkdir -p ${VIGIL_LIB}/stage && cp -a "$SRC/lib${stage}" ${VIGIL_LIB}/stage/`,
          `echo "=== ${b} ${step.id}"`,
          `PATH="$STUBS:$PATH" bash ${stageDir(step)}/step.sh < "$SRC/stdin-${b}-${i}" || echo "vigil-canary: ${b} ${step.id} failed"`,
          `find "$CWD" "$T/up" -maxdepth 12 -name '*CANARY*' -printf 'vigil-canary: ${b} found %p\\n' -exec rm -rf {} + 2>/dev/null`,
        );
      });
    });
    const inner = `set -u
T=$(mktemp -d)
mount -t tmpfs tmpfs "$T" || exit 97
for d in /etc /var /usr/local /run; do
  mkdir -p "$T/up$d" "$T/work$d"
  mount -t overlay overlay -o "lowerdir=$d,upperdir=$T/up$d,workdir=$T/work$d" "$d" || exit 97
done
cd "$CWD"
${lines.join("\n")}
umount -l /etc /var /usr/local /run "$T" 2>/dev/null
rmdir "$T" 2>/dev/null
exit 0`;
    const r = spawnSync("unshare", ["--mount", "--propagation", "private", "bash", "-c", inner], {
      encoding: "utf8",
      env: { ...process.env, SRC: src, CWD: cwd, STUBS: stubs },
      timeout: 900_000,
      maxBuffer: 256 * 1024 * 1024,
    });
    const output = `${r.stdout}${r.stderr}`;
    if (r.status === 97) throw new Error(`the overlay harness could not be set up:\n${output}`);
    const canaries = new Map<string, string[]>();
    const failed = new Map<string, string[]>();
    const add = (map: Map<string, string[]>, b: string, what: string) => {
      const label = batches[Number(b)]!.label;
      map.set(label, [...(map.get(label) ?? []), what]);
    };
    for (const m of output.matchAll(/^vigil-canary: (\d+) found (.*)$/gm)) add(canaries, m[1]!, m[2]!);
    for (const m of output.matchAll(/^vigil-canary: (\d+) (\S+) failed$/gm)) add(failed, m[1]!, m[2]!);
    for (const f of readdirSync(cwd)) add(canaries, "0", `${f} (after the run)`);
    return { output, canaries, failed };
  } finally {
    rmSync(src, { recursive: true, force: true });
    rmSync(cwd, { recursive: true, force: true });
  }
}

/** Output of the batch for one label (for messages). */
const sectionOf = (output: string, batches: Batch[], label: string): string => {
  const b = batches.findIndex((x) => x.label === label);
  return output
    .split(/^(?==== )/m)
    .filter((part) => part.startsWith(`=== ${b} `))
    .join("")
    .slice(-6000);
};

/**
 * The one value the schema cannot judge offline: a CrowdSec collection name of the right form
 * (`vendor/name`) that Debian's offline hub lacks. The host refuses it by name before anything is
 * reloaded (enable_hub_item in provisioning/node/crowdsec.ts); fast-check finds such names by
 * appending "-" or "a" to a real one.
 */
const refusedOnHost = (label: string, steps: string[], output: string): boolean =>
  label.startsWith("stack.crowdsec.collections[] ") &&
  steps.every((s) => s === "crowdsec") &&
  /^vigil-step: CrowdSec collections [a-z0-9-]+\/[a-z0-9-]+ is not in the hub at /m.test(output);

/** Runs the batches and asserts: no canary, no failed step (but refusedOnHost), no secret in any output. */
function runAndCheck(batches: Batch[]): void {
  if (batches.length === 0) return;
  const run = runBatches(batches);
  for (const [label, found] of run.canaries) assert.fail(`${label}: the payload ran as code (${found.join(", ")})\n${sectionOf(run.output, batches, label)}`);
  for (const [label, steps] of run.failed) {
    if (refusedOnHost(label, steps, sectionOf(run.output, batches, label) + run.output)) continue;
    assert.fail(`${label}: step ${steps.join(", ")} failed (its validator refused the rendered config?)\n${sectionOf(run.output, batches, label)}`);
  }
  assert.doesNotMatch(run.output, SECRET_MARKER, "a secret in the output");
}

const basePlan = planForHost(base, HOST, offlineContext(base));
const baseKeys = new Set(basePlan.steps.map(stepKey));
/** Steps already run (by their text): a payload that changes nothing new runs nothing. */
const executed = new Set<string>();

/** What happened to one spec text: refused (with located errors), or accepted and queued to run. */
function judge(label: string, path: Path, text: string, queue: Batch[]): "refused" | "accepted" {
  const r = loadSpecText(text, "canary.yaml");
  if (!r.ok) {
    for (const e of r.errors) assert.ok(e.line >= 1 && e.col >= 1 && e.message.length > 0, `${label}: unlocated ${JSON.stringify(e)}`);
    const field = formatPath(path.filter((p) => p !== "{key}").slice(0, 2));
    assert.ok(r.errors.some((e) => e.path.startsWith(field)), `${label}: no error names ${field}: ${JSON.stringify(r.errors)}`);
    return "refused";
  }
  const plan = planForHost(r.spec, HOST, offlineContext(r.spec));
  for (const step of plan.steps) {
    for (const f of stagedFiles(step)) assert.doesNotMatch(f.content, SECRET_MARKER, `${label}: a secret in ${f.path} of ${step.id}`);
  }
  const changed = plan.steps.filter((s) => !baseKeys.has(stepKey(s)) && !executed.has(stepKey(s)));
  for (const s of changed) executed.add(stepKey(s));
  if (changed.length > 0) queue.push({ label, steps: changed });
  return "accepted";
}

test("the canary spec covers every string field of the schema", () => {
  const missing = stringFields.filter((f) => !targets.has(f));
  assert.deepEqual(missing, [], "add these fields to test/provisioning/canary-spec.yaml");
  assert.ok(stringFields.length >= 40, `only ${stringFields.length} string fields found`);
});

test("the harness sees a canary: an unquoted value in a step does run", () => {
  const control: PlanStep = { id: "canary-control", description: "control", files: [], run: "echo $(touch CANARY)" };
  const quiet: PlanStep = { id: "canary-quiet", description: "control", files: [], run: "echo '$(touch CANARY)'" };
  const failing: PlanStep = { id: "canary-failing", description: "control", files: [], validate: "false" };
  const run = runBatches([{ label: "unquoted", steps: [control] }, { label: "quoted", steps: [quiet] }, { label: "failing", steps: [failing] }]);
  assert.deepEqual([...run.canaries.keys()], ["unquoted"], run.output);
  assert.deepEqual([...run.failed.keys()], ["failing"], run.output);
});

test("the canary spec's own steps pass their validators in the harness", () => {
  const hubAndAgent = basePlan.steps.filter((s) => ["blackbox", "prometheus", "alertmanager", "agent", "heartbeats"].includes(s.id));
  runAndCheck([{ label: "canary-spec.yaml", steps: hubAndAgent }]);
  for (const s of hubAndAgent) executed.add(stepKey(s));
});

test("every payload in every string field is refused with a location, or rendered and executed harmlessly", (t) => {
  const outcome: Record<string, number> = { refused: 0, accepted: 0 };
  const queue: Batch[] = [];
  for (const field of stringFields) {
    const path = targets.get(field)!;
    for (const payload of PAYLOADS) {
      for (const [mode, value] of [["alone", () => payload], ["appended", (old: string) => old + payload]] as const) {
        outcome[judge(`${field} ${mode} ${JSON.stringify(payload)}`, path, stringify(mutate(path, value)), queue)]!++;
      }
    }
  }
  // Both kinds happen: some fields take any text (and prove it stays data), most refuse.
  assert.ok(outcome.refused! > 0 && outcome.accepted! > 0, JSON.stringify(outcome));
  runAndCheck(queue);
  t.diagnostic(`${stringFields.length} string fields: ${outcome.refused} variants refused, ${outcome.accepted} accepted; ${queue.reduce((n, b) => n + b.steps.length, 0)} steps executed`);
});

test("a collection name of the right form that Debian's hub lacks is refused on the host, by name", () => {
  const field = "stack.crowdsec.collections[]";
  const queue: Batch[] = [];
  const label = `${field} "-"`;
  assert.equal(judge(label, targets.get(field)!, stringify(mutate(targets.get(field)!, (old) => `${old}-`)), queue), "accepted");
  const run = runBatches(queue);
  assert.deepEqual([...run.canaries.keys()], [], run.output);
  assert.deepEqual([...run.failed.values()], [["crowdsec"]], run.output);
  assert.ok(refusedOnHost(label, ["crowdsec"], run.output), run.output);
  assert.match(run.output, /^vigil-step: CrowdSec collections crowdsecurity\/\S+- is not in the hub at /m);
});

test("generated payloads (fast-check) in any string field are refused or stay data", () => {
  const queue: Batch[] = [];
  const piece = fc.constantFrom("$(", ")", "`", "'", '"', "\\", "\n", "\t", "{{", "}}", "${IFS}", "../", ";", "|", "&", "#", " ", "touch CANARY", "a", "-", "/", "%0a", "\u0085");
  fc.assert(
    fc.property(fc.constantFrom(...stringFields), fc.array(piece, { minLength: 1, maxLength: 8 }), fc.boolean(), (field, pieces, append) => {
      const payload = pieces.join("");
      const path = targets.get(field)!;
      judge(`${field} ${JSON.stringify(payload)}`, path, stringify(mutate(path, (old) => (append ? old + payload : payload))), queue);
    }),
    { numRuns: 100 },
  );
  runAndCheck(queue);
});



