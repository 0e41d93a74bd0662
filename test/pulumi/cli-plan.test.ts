// `vigil plan <spec>... [--json]` as a user runs it.
import { test } from "node:test";
import assert from "node:assert/strict";
import { copyFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { runVigil } from "../run-vigil.ts";
import { scratchDir } from "../scratch-dir.ts";

// One after another: several Pulumi previews at once on a loaded 2-core machine outlast the timeout.
let queue: Promise<unknown> = Promise.resolve();
const vigil = (args: string[]) => {
  const run = queue.then(() => runVigil(args, { timeoutMs: 300_000 }));
  queue = run;
  return run;
};

const dir = scratchDir("vigil-plan-");
const bad = join(dir, "bad.yaml");
writeFileSync(bad, "version: 1\nenvironment: prod\nproject: dcg\nregion: fra9\nhosts: [{ name: a, roles: [node] }]\nalerts: { receivers: { x: { webhook: { url: https://h.example.com } } }, routes: [{ to: [x] }] }\n");
// A second copy of prod in the same account: its VPC range and project name clash.
const prodCopy = join(dir, "prod-copy.yaml");
copyFileSync("stacks/prod.yaml", prodCopy);
const STACKS = ["stacks/dev.yaml", "stacks/local.yaml", "stacks/prod.yaml"];
const runs = {
  json: vigil(["plan", "stacks/dev.yaml", "--json"]),
  allTable: vigil(["plan", ...STACKS]),
  allJson: vigil(["plan", ...STACKS, "--json"]),
  clash: vigil(["plan", "stacks/prod.yaml", prodCopy]),
  table: vigil(["plan", "stacks/prod.yaml"]),
  invalid: vigil(["plan", bad]),
  usage: vigil(["plan"]),
};

test("--json: an array of {type, name, inputs} with Pulumi type tokens, secrets as [secret]", async () => {
  const r = await runs.json;
  assert.equal(r.code, 0, r.stderr);
  const resources = JSON.parse(r.stdout) as { type: string; name: string; inputs: Record<string, unknown> }[];
  assert.ok(resources.every((x) => Object.keys(x).join() === "type,name,inputs"));
  const droplet = resources.find((x) => x.type === "digitalocean:index/droplet:Droplet")!;
  assert.equal(droplet.name, "dcg-dev-dev-1");
  assert.ok(resources.some((x) => x.type === "vigil:index:Spec" && x.name === "dev"));
  const alert = resources.find((x) => x.type === "digitalocean:index/uptimeAlert:UptimeAlert")!;
  assert.equal(alert.inputs.notifications, "[secret]", "the Slack webhook makes the notifications secret");
  assert.ok(resources.filter((x) => x.type === "command:remote:Command").every((x) => x.inputs.connection === "[secret]"));
});

test("the table lists every resource with its type, name and details", async () => {
  const r = await runs.table;
  assert.equal(r.code, 0, r.stderr);
  const lines = r.stdout.trimEnd().split("\n");
  assert.match(lines[0]!, /^TYPE\s+NAME\s+DETAILS$/);
  assert.ok(lines.some((l) => /^digitalocean:Droplet\s+dcg-prod-app-1\s+s-2vcpu-4gb debian-12-x64 in fra1, monitoring true, backups true/.test(l)));
  assert.ok(lines.some((l) => /^digitalocean:Firewall\s+dcg-prod-firewall\s+on dcg-prod: tcp\/22 from 203\.0\.113\.10\/32; tcp\/9100 from 10\.20\.0\.0\/24/.test(l)));
  assert.match(lines.at(-1)!, /^\d+ resources: /);
});

test("an invalid spec: exit 1 with the located errors, no stack trace", async () => {
  const r = await runs.invalid;
  assert.equal(r.code, 1);
  assert.match(r.stderr, new RegExp(`^${bad.replace(/[.*+?^${}()|[\]\\/]/g, "\\$&")}:4:9 region: `, "m"));
  assert.doesNotMatch(r.stderr, /\n\s+at /);
  assert.equal(r.stdout, "");
  const u = await runs.usage;
  assert.equal(u.code, 1);
  assert.match(u.stderr, /usage: vigil plan <spec>\.\.\. \[--json\]/);
});

test("several specs (vigil plan stacks/*.yaml): one table per file under its name, --json one { file, resources } each", async () => {
  const table = await runs.allTable;
  assert.equal(table.code, 0, table.stderr);
  assert.deepEqual(table.stdout.split("\n").filter((l) => l.startsWith("== ")), STACKS.map((f) => `== ${f}`));
  assert.equal(table.stdout.match(/^\d+ resources: /gm)?.length, 3);
  const json = await runs.allJson;
  assert.equal(json.code, 0, json.stderr);
  const plans = JSON.parse(json.stdout) as { file: string; resources: { type: string; name: string; inputs: Record<string, unknown> }[] }[];
  assert.deepEqual(plans.map((p) => p.file), STACKS);
  // The account the example stacks share: prod names a key already there (no upload), dev
  // uploads its own; VPC ranges and project names all differ.
  const of = (file: string, type: string) => plans.find((p) => p.file === file)!.resources.filter((r) => r.type === type);
  assert.deepEqual(of("stacks/prod.yaml", "digitalocean:index/sshKey:SshKey"), []);
  assert.equal(of("stacks/dev.yaml", "digitalocean:index/sshKey:SshKey").length, 1);
  const ranges = STACKS.map((f) => of(f, "digitalocean:index/vpc:Vpc")[0]!.inputs.ipRange);
  assert.equal(new Set(ranges).size, 3, String(ranges));
  const projects = STACKS.map((f) => of(f, "digitalocean:index/project:Project")[0]!.inputs.name);
  assert.equal(new Set(projects).size, 3, String(projects));
});

test("several specs that clash in one account: exit 1, the overlap and the project name located in each file, nothing planned", async () => {
  const r = await runs.clash;
  assert.equal(r.code, 1);
  assert.equal(r.stdout, "");
  const copy = prodCopy.replace(/[.*+?^${}()|[\]\\/]/g, "\\$&");
  assert.match(r.stderr, /^stacks\/prod\.yaml:\d+:\d+ vpc\.ipRange: 10\.20\.0\.0\/24 overlaps the VPC range 10\.20\.0\.0\/24 of /m);
  assert.match(r.stderr, new RegExp(`^${copy}:\\d+:\\d+ vpc\\.ipRange: 10\\.20\\.0\\.0/24 overlaps`, "m"));
  assert.match(r.stderr, new RegExp(`^${copy}:\\d+:\\d+ environment: project "dcg-prod" is also that of stacks/prod\\.yaml`, "m"));
  assert.doesNotMatch(r.stderr, /\n\s+at /);
});
