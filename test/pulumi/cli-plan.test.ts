// `vigil plan <spec> [--json]` as a user runs it.
import { test } from "node:test";
import assert from "node:assert/strict";
import { writeFileSync, mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { runVigil } from "../run-vigil.ts";

const vigil = (args: string[]) => runVigil(args);

const dir = mkdtempSync(join(tmpdir(), "vigil-plan-"));
const bad = join(dir, "bad.yaml");
writeFileSync(bad, "version: 1\nenvironment: prod\nproject: dcg\nregion: fra9\nhosts: [{ name: a, roles: [node] }]\nalerts: { receivers: { x: { webhook: { url: https://h.example.com } } }, routes: [{ to: [x] }] }\n");
const runs = {
  json: vigil(["plan", "stacks/dev.yaml", "--json"]),
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
  assert.match(u.stderr, /usage: vigil plan <spec> \[--json\]/);
});
