// The policy pack under CrossGuard's own machinery, without the Pulumi CLI: policies/ is started
// the way the CLI's analyzer plugin starts a Node.js pack (`node @pulumi/pulumi/cmd/run-policy-pack
// <engine> <pack dir>` with the pack directory as working directory), which constructs the real
// PolicyPack and serves @pulumi/policy's Analyzer gRPC service; this file plays the engine:
// GetAnalyzerInfo, Configure, Analyze per resource, AnalyzeStack.
import { spawn, type ChildProcess } from "node:child_process";
import { createRequire } from "node:module";
import type * as analyzerPb from "@pulumi/pulumi/proto/analyzer_pb.js";
import type { GraphResource, Violation } from "../../policies/evaluate.ts";
import { repoPath } from "./fixtures.ts";
import { loadPolicyPackConfigFile, reconcilePolicyPackConfig, type CliLevel, type CliPolicyConfig } from "./pulumi-cli-policy-config.ts";

const require = createRequire(import.meta.url);
// gRPC and protobuf exactly as @pulumi/pulumi resolves them (they are its dependencies, not ours).
const pulumiRequire = createRequire(require.resolve("@pulumi/pulumi/package.json"));
const grpc = pulumiRequire("@grpc/grpc-js") as typeof import("@grpc/grpc-js");
const pb = require("@pulumi/pulumi/proto/analyzer_pb.js") as typeof analyzerPb;
const { AnalyzerClient } = require("@pulumi/pulumi/proto/analyzer_grpc_pb.js") as {
  AnalyzerClient: new (address: string, credentials: unknown) => AnalyzerStub;
};
const { Struct } = pulumiRequire("google-protobuf/google/protobuf/struct_pb.js") as {
  Struct: { fromJavaScript(value: Record<string, unknown>): unknown };
};
const { Empty } = pulumiRequire("google-protobuf/google/protobuf/empty_pb.js") as { Empty: new () => unknown };

type Callback<T> = (err: Error | null, response: T) => void;
interface AnalyzerStub {
  getAnalyzerInfo(req: unknown, cb: Callback<analyzerPb.AnalyzerInfo>): void;
  configure(req: analyzerPb.ConfigureAnalyzerRequest, cb: Callback<unknown>): void;
  analyze(req: analyzerPb.AnalyzeRequest, cb: Callback<analyzerPb.AnalyzeResponse>): void;
  analyzeStack(req: analyzerPb.AnalyzeStackRequest, cb: Callback<analyzerPb.AnalyzeResponse>): void;
  close(): void;
}

const call = <T>(fn: (cb: Callback<T>) => void): Promise<T> =>
  new Promise((resolve, reject) => fn((err, response) => (err ? reject(err) : resolve(response))));

const LEVEL: Record<string, number> = { advisory: 0, mandatory: 1, disabled: 2, remediate: 3 };
const LEVEL_NAME = ["advisory", "mandatory", "disabled", "remediate"] as const;

export interface ServedPolicy {
  name: string;
  description: string;
  enforcementLevel: string;
  remediationSteps: string;
  configProperties: string[];
  /** The JSON Schema of each setting, as served. */
  configSchema: Record<string, Record<string, unknown>>;
}

/** A running policy pack process and a client of its Analyzer service. */
export class CrossGuardPack {
  private constructor(
    private readonly child: ChildProcess,
    private readonly client: AnalyzerStub,
    readonly stderr: () => string,
  ) {}

  /** Starts policies/ as the Pulumi CLI would and connects to the port it prints. */
  static async start(): Promise<CrossGuardPack> {
    const runner = require.resolve("@pulumi/pulumi/cmd/run-policy-pack");
    const child = spawn(process.execPath, [runner, "127.0.0.1:0", "."], { cwd: repoPath("policies/"), stdio: ["ignore", "pipe", "pipe"] });
    let stderr = "";
    child.stderr!.on("data", (chunk: Buffer) => (stderr += chunk.toString()));
    const port = await new Promise<number>((resolve, reject) => {
      let stdout = "";
      const timer = setTimeout(() => reject(new Error(`the policy pack printed no port within 60 s; stderr:\n${stderr}`)), 60_000);
      child.stdout!.on("data", (chunk: Buffer) => {
        stdout += chunk.toString();
        const match = /^(\d+)\s*$/m.exec(stdout);
        if (match) {
          clearTimeout(timer);
          resolve(Number(match[1]));
        }
      });
      child.on("exit", (code) => {
        clearTimeout(timer);
        reject(new Error(`the policy pack exited with ${code}; stderr:\n${stderr}`));
      });
    });
    const client = new AnalyzerClient(`127.0.0.1:${port}`, grpc.credentials.createInsecure());
    return new CrossGuardPack(child, client, () => stderr);
  }

  async info(): Promise<{ name: string; policies: ServedPolicy[]; initialConfig: Map<string, CliPolicyConfig> }> {
    const info = await call<analyzerPb.AnalyzerInfo>((cb) => this.client.getAnalyzerInfo(new Empty(), cb));
    const initialConfig = new Map<string, CliPolicyConfig>();
    for (const [name, entry] of info.getInitialconfigMap().entries() as Iterable<[string, analyzerPb.PolicyConfig]>) {
      const properties = entry.getProperties()?.toJavaScript();
      initialConfig.set(name, { enforcementLevel: LEVEL_NAME[entry.getEnforcementlevel()] ?? "", properties });
    }
    return {
      name: info.getName(),
      initialConfig,
      policies: info.getPoliciesList().map((p) => {
        const configSchema = (p.getConfigschema()?.getProperties()?.toJavaScript() ?? {}) as Record<string, Record<string, unknown>>;
        return {
          name: p.getName(),
          description: p.getDescription(),
          enforcementLevel: LEVEL_NAME[p.getEnforcementlevel()] ?? "?",
          remediationSteps: p.getRemediationSteps(),
          configProperties: Object.keys(configSchema),
          configSchema,
        };
      }),
    };
  }

  /**
   * Configures the pack from a policy config file the way `pulumi preview --policy-pack-config
   * FILE` does (pulumi-cli-policy-config.ts): GetAnalyzerInfo, reconcile the served defaults, the
   * pack's initial config and the file, then Configure with every resulting entry ("all"
   * included, as the CLI sends it). Nothing of vigil's own level logic is involved.
   */
  async configureFromFile(file: string): Promise<Map<string, CliPolicyConfig>> {
    const info = await this.info();
    const reconciled = reconcilePolicyPackConfig(
      info.policies.map((p) => ({ name: p.name, enforcementLevel: p.enforcementLevel as CliLevel, configProperties: p.configSchema })),
      info.initialConfig,
      loadPolicyPackConfigFile(file),
    );
    if (reconciled.size === 0) return reconciled; // the CLI skips Configure then
    const req = new pb.ConfigureAnalyzerRequest();
    for (const [name, entry] of reconciled) {
      if (entry.enforcementLevel === "") throw new Error(`invalid enforcement level "" for ${name}`);
      const pc = new pb.PolicyConfig();
      pc.setEnforcementlevel(LEVEL[entry.enforcementLevel] as analyzerPb.EnforcementLevel);
      pc.setProperties(Struct.fromJavaScript(entry.properties ?? {}) as never);
      req.getPolicyconfigMap().set(name, pc);
    }
    await call((cb) => this.client.configure(req, cb));
    return reconciled;
  }

  /** Analyze on every resource, then AnalyzeStack on all: the violations CrossGuard reports. */
  async analyze(resources: readonly GraphResource[]): Promise<Violation[]> {
    const byUrn = new Map(resources.map((r) => [r.urn, r]));
    const options = () => {
      const o = new pb.AnalyzerResourceOptions();
      o.setCustomtimeouts(new pb.AnalyzerResourceOptions.CustomTimeouts());
      return o;
    };
    const properties = (r: GraphResource) => Struct.fromJavaScript(JSON.parse(JSON.stringify(r.inputs)) as Record<string, unknown>) as never;
    const out: Violation[] = [];
    const collect = (response: analyzerPb.AnalyzeResponse, fallbackUrn?: string) => {
      for (const d of response.getDiagnosticsList()) {
        const urn = d.getUrn() || fallbackUrn;
        const target = urn ? byUrn.get(urn) : undefined;
        // The analyzer prefixes the policy description to the reported message.
        const message = d.getMessage().startsWith(`${d.getDescription()}\n`) ? d.getMessage().slice(d.getDescription().length + 1) : d.getMessage();
        const level = LEVEL_NAME[d.getEnforcementlevel()];
        out.push({
          policy: d.getPolicyname(),
          level: level === "advisory" ? "advisory" : "mandatory",
          urn,
          resource: target?.name ?? urn ?? "(stack)",
          type: target?.type ?? "",
          message,
        });
      }
    };
    for (const r of resources) {
      const req = new pb.AnalyzeRequest();
      req.setType(r.type);
      req.setName(r.name);
      req.setUrn(r.urn);
      req.setProperties(properties(r));
      req.setOptions(options());
      collect(await call((cb) => this.client.analyze(req, cb)), r.urn);
    }
    const stack = new pb.AnalyzeStackRequest();
    stack.setResourcesList(
      resources.map((r) => {
        const res = new pb.AnalyzerResource();
        res.setType(r.type);
        res.setName(r.name);
        res.setUrn(r.urn);
        res.setProperties(properties(r));
        res.setOptions(options());
        return res;
      }),
    );
    collect(await call((cb) => this.client.analyzeStack(stack, cb)));
    return out;
  }

  /** Closes the client and ends the pack process (by its own pid). */
  async stop(): Promise<void> {
    this.client.close();
    if (this.child.exitCode !== null) return;
    const exited = new Promise((resolve) => this.child.once("exit", resolve));
    this.child.kill("SIGTERM");
    await exited;
  }
}
