// Benchmark: validating a 1,000-host spec (YAML parse with positions + ajv + cross-field checks).
// Run: node --import tsx bench/spec/validate-1000-hosts.ts [hosts]
import { readFileSync } from "node:fs";
import { parse, stringify } from "yaml";
import { loadSpecText } from "../../schema/load-spec.ts";

const hosts = Number(process.argv[2] ?? 1000);
const prod = parse(readFileSync("stacks/prod.yaml", "utf8")) as { hosts: Record<string, unknown>[]; vpc: { ipRange: string } };
const [app, hub] = prod.hosts as [Record<string, unknown>, Record<string, unknown>];
prod.hosts = [
  ...Array.from({ length: hosts - 1 }, (_, i) => ({ ...structuredClone(app), name: `app-${i + 1}` })),
  { ...hub, name: "monitor" },
];
prod.vpc.ipRange = "10.20.0.0/16";
const text = stringify(prod);

// The first run includes compiling the schema (once per process); the others are steady state.
const runs: number[] = [];
for (let i = 0; i < 11; i++) {
  const start = process.hrtime.bigint();
  const result = loadSpecText(text, "bench.yaml");
  runs.push(Number(process.hrtime.bigint() - start) / 1e6);
  if (!result.ok) throw new Error(JSON.stringify(result.errors.slice(0, 3)));
}
const steady = runs.slice(1).sort((a, b) => a - b);
console.log(
  `${hosts} hosts, ${(text.length / 1024).toFixed(0)} KiB of YAML: first run (with schema compile) ${runs[0]!.toFixed(0)} ms, ` +
    `median ${steady[Math.floor(steady.length / 2)]!.toFixed(0)} ms, max ${steady[steady.length - 1]!.toFixed(0)} ms`,
);
