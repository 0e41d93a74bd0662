// Benchmark: evaluating the Pulumi program under mocks (what `vigil plan` and `vigil check` do)
// for N node hosts + 1 hub, each size in a fresh process so memory figures are its own.
// Run: node --import tsx bench/pulumi/program-eval.ts [hosts...]   (default 10 100 500)
import { spawnSync } from "node:child_process";
import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { parse, stringify } from "yaml";

const self = fileURLToPath(import.meta.url);

if (process.argv[2] === "--one") {
  await measure(Number(process.argv[3]));
} else {
  const sizes = process.argv.slice(2).map(Number);
  console.log("hosts  resources  wall ms  cpu ms  cpu ms/host  planForHost ms  heap MB  retained MB  peak rss MB  graph MB");
  for (const hosts of sizes.length > 0 ? sizes : [10, 100, 500]) {
    const r = spawnSync(process.execPath, ["--expose-gc", "--max-old-space-size=8192", "--import", "tsx", self, "--one", String(hosts)], {
      encoding: "utf8",
    });
    if (r.status !== 0) throw new Error(r.stderr);
    const m = JSON.parse(r.stdout.trim().split("\n").at(-1)!);
    console.log(
      [m.hosts, m.resources, m.totalMs, m.cpuMs, (m.cpuMs / m.hosts).toFixed(1), m.planMs, m.heapMB, m.retainedMB, m.rssMB, (m.bytes / 2 ** 20).toFixed(1)]
        .map(String)
        .map((s, i) => s.padStart([5, 10, 8, 7, 12, 15, 8, 12, 12, 9][i]!))
        .join("  "),
    );
  }
}

async function measure(hosts: number): Promise<void> {
  const { loadSpecText } = await import("../../schema/load-spec.ts");
  const { previewCloudResources } = await import("../../components/cloud-preview.ts");
  const { planForHost } = await import("../../provisioning/host-plan.ts");
  const prod = parse(readFileSync("stacks/prod.yaml", "utf8")) as { hosts: Record<string, unknown>[]; vpc: { ipRange: string } };
  const [app, hub] = prod.hosts as [Record<string, unknown>, Record<string, unknown>];
  prod.hosts = [...Array.from({ length: hosts }, (_, i) => ({ ...structuredClone(app), name: `app-${i + 1}` })), { ...hub, name: "monitor" }];
  prod.vpc.ipRange = "10.20.0.0/16";
  const loaded = loadSpecText(stringify(prod), "bench.yaml");
  if (!loaded.ok) throw new Error(JSON.stringify(loaded.errors.slice(0, 3)));

  // Warm up the module graph and JIT on a small spec, so the figure is the program's own cost.
  const small = loadSpecText(readFileSync("stacks/prod.yaml", "utf8"), "prod.yaml");
  if (small.ok) await previewCloudResources(small.spec);

  let planMs = 0;
  const timedPlanner: typeof planForHost = (spec, host, ctx) => {
    const t = performance.now();
    try {
      return planForHost(spec, host, ctx);
    } finally {
      planMs += performance.now() - t;
    }
  };
  global.gc?.();
  const heapBefore = process.memoryUsage().heapUsed;
  const t0 = performance.now();
  const cpu0 = process.cpuUsage();
  const resources = await previewCloudResources(loaded.spec, { planHost: timedPlanner });
  const totalMs = performance.now() - t0;
  const cpu = process.cpuUsage(cpu0);
  const heapAfter = process.memoryUsage().heapUsed; // before GC: what the run allocated and still held
  global.gc?.();
  const heapRetained = process.memoryUsage().heapUsed; // after GC, the graph still referenced
  // keep `resources` alive until here so "retained" counts the graph itself
  console.log(
    JSON.stringify({
      hosts: hosts + 1,
      resources: resources.length,
      totalMs: Math.round(totalMs),
      cpuMs: Math.round((cpu.user + cpu.system) / 1000),
      planMs: Math.round(planMs),
      heapMB: Math.round((heapAfter - heapBefore) / 2 ** 20),
      retainedMB: Math.round((heapRetained - heapBefore) / 2 ** 20),
      rssMB: Math.round(process.resourceUsage().maxRSS / 1024),
      bytes: JSON.stringify(resources).length,
    }),
  );
}
