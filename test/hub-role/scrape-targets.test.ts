// Application scrape targets (hosts[].scrape): one scrape config each, job "app" with labels host
// and app, at the host's private address (loopback on the hub itself); accepted by promtool.
import { test } from "node:test";
import assert from "node:assert/strict";
import { parse } from "yaml";
import { PROMETHEUS_CONFIG } from "../../provisioning/hub/prometheus.ts";
import { fileContent, hubSteps, loadSpec, STACKS } from "./support.ts";
import { offlineContext } from "../../provisioning/address-contexts.ts";

interface ScrapeConfig {
  job_name: string;
  scrape_interval?: string;
  metrics_path?: string;
  scheme?: string;
  static_configs: { targets: string[]; labels: Record<string, string> }[];
}

const appJobs = (content: string): ScrapeConfig[] =>
  (parse(content) as { scrape_configs: ScrapeConfig[] }).scrape_configs.filter((c) => c.static_configs[0]?.labels.job === "app");

test("prod: each target is job app with host and app labels, at the node's VPC address, its own interval", () => {
  const spec = loadSpec(`${STACKS}prod.yaml`);
  const ctx = offlineContext(spec);
  const jobs = appJobs(fileContent(hubSteps(spec, ctx), PROMETHEUS_CONFIG));
  assert.deepEqual(
    jobs.map((j) => [j.job_name, j.static_configs[0]!.targets, j.static_configs[0]!.labels, j.scrape_interval ?? null, j.metrics_path, j.scheme]),
    [
      ["app-app-1-dcg-api", [`${ctx.privateAddress["app-1"]}:9464`], { job: "app", host: "app-1", app: "dcg-api" }, null, "/metrics", "http"],
      ["app-app-1-dcg-worker", [`${ctx.privateAddress["app-1"]}:9465`], { job: "app", host: "app-1", app: "dcg-worker" }, "30s", "/metrics", "http"],
    ],
  );
});

test("a target on the hub itself is scraped over loopback; extra labels cannot replace vigil's", () => {
  const spec = loadSpec(`${STACKS}prod.yaml`);
  const monitor = spec.hosts.find((h) => h.name === "monitor")!;
  monitor.scrape = [{ name: "batch", port: 9500, path: "/custom/metrics", scheme: "https", labels: { team: "data" } }];
  const jobs = appJobs(fileContent(hubSteps(spec), PROMETHEUS_CONFIG));
  const batch = jobs.find((j) => j.job_name === "app-monitor-batch")!;
  assert.deepEqual(batch.static_configs[0], { targets: ["127.0.0.1:9500"], labels: { team: "data", job: "app", host: "monitor", app: "batch" } });
  assert.equal(batch.metrics_path, "/custom/metrics");
  assert.equal(batch.scheme, "https");
});
