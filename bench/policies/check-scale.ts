// How `vigil check` scales with hosts: planning the graph (Pulumi program under mocks) versus
// evaluating the policy pack over it. Run: node --import tsx bench/policies/check-scale.ts [hosts...]
import { readFileSync } from "node:fs";
import { parseDocument } from "yaml";
import { previewCloudResources } from "../../components/cloud-preview.ts";
import { evaluatePolicies } from "../../policies/evaluate.ts";
import { vigilPolicies } from "../../policies/pack.ts";
import { loadPolicyConfig } from "../../policies/policy-config.ts";
import { loadSpecText } from "../../schema/load-spec.ts";

const root = new URL("../../", import.meta.url);
const config = loadPolicyConfig(new URL("policies/config/prod.json", root).pathname, vigilPolicies);
if (!config.ok) throw new Error(config.errors.join("\n"));

/** stacks/prod.yaml with `count` node hosts (app-1 repeated) and its hub. */
function specWith(count: number) {
  const doc = parseDocument(readFileSync(new URL("stacks/prod.yaml", root), "utf8"));
  const app = doc.getIn(["hosts", 0]) as { toJSON(): Record<string, unknown> };
  const monitor = doc.getIn(["hosts", 1]) as { toJSON(): Record<string, unknown> };
  const hosts = Array.from({ length: count }, (_, i) => ({ ...app.toJSON(), name: `app-${i + 1}` }));
  doc.setIn(["hosts"], doc.createNode([...hosts, monitor.toJSON()]));
  doc.setIn(["vpc", "ipRange"], "10.20.0.0/16");
  const loaded = loadSpecText(doc.toString(), `prod with ${count} hosts`);
  if (!loaded.ok) throw new Error(JSON.stringify(loaded.errors));
  return loaded.spec;
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
const counts = process.argv.slice(2).map(Number);
for (const hosts of counts.length ? counts : [1, 10, 100]) {
  const spec = specWith(hosts);
  const plan: number[] = [];
  const check: number[] = [];
  let resources = 0;
  let violations = 0;
  for (let run = 0; run < 5; run++) {
    let t = performance.now();
    const graph = await previewCloudResources(spec);
    plan.push(performance.now() - t);
    t = performance.now();
    violations = (await evaluatePolicies(vigilPolicies, graph, config.config)).length;
    check.push(performance.now() - t);
    resources = graph.length;
  }
  console.log(
    `${hosts} node hosts: ${resources} resources, ${violations} violations; plan median ${median(plan).toFixed(0)} ms, ` +
      `policies median ${median(check).toFixed(1)} ms (max ${Math.max(...check).toFixed(1)} ms)`,
  );
}
