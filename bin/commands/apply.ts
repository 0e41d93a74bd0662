// `vigil apply <spec> --host NAME --target ssh://USER@ADDR:PORT [--identity FILE] [--address HOST=IP]...`
//
// Parses the arguments, plans the host and prints; bin/apply-engine.ts runs the plan over SSH.
import { loadSpecFile } from "../../schema/load-spec.ts";
import { formatErrors } from "../../schema/spec-errors.ts";
import { applyAddressOverrides, offlineContext } from "../../provisioning/address-contexts.ts";
import { planForHost } from "../../provisioning/host-plan.ts";
import { stepSecrets, type HostPlan } from "../../provisioning/plan.ts";
import { defaultKnownHosts, parseSshUrl, sshClose, type SshTarget } from "../ssh-transport.ts";
import { parseCommandArgs } from "../command-args.ts";
import { applyHostPlan, describeOutcome, missingSecrets, progressPrinter, secretsFromEnv } from "../apply-engine.ts";

const USAGE = "usage: vigil apply <spec> --host NAME --target ssh://USER@ADDR:PORT [--identity FILE] [--address HOST=IP]...";

export async function runApply(argv: string[]): Promise<number> {
  const parsed = parseCommandArgs("apply", USAGE, argv, {
    host: { type: "string" },
    target: { type: "string" },
    identity: { type: "string" },
    address: { type: "string", multiple: true },
  });
  if ("error" in parsed) {
    console.error(parsed.error);
    return 1;
  }
  const [file, ...extra] = parsed.positionals;
  const { host, target: url, identity } = parsed.values;
  if (file === undefined || extra.length > 0 || host === undefined || url === undefined) {
    console.error(USAGE);
    return 1;
  }
  const target = parseSshUrl(url);
  if ("error" in target) {
    console.error(`vigil apply: ${target.error}`);
    return 1;
  }
  const loaded = loadSpecFile(file);
  if (!loaded.ok) {
    console.error(formatErrors(loaded.errors));
    return 1;
  }
  const { spec } = loaded;
  if (!spec.hosts.some((h) => h.name === host)) {
    console.error(`vigil apply: ${file}: no host named "${host}" (hosts: ${spec.hosts.map((h) => h.name).join(", ")})`);
    return 1;
  }
  const ctx = offlineContext(spec);
  const bad = applyAddressOverrides(spec, ctx, parsed.values.address ?? []);
  if (bad) {
    console.error(`vigil apply: ${bad}`);
    return 1;
  }
  const plan = planForHost(spec, host, ctx);
  const missing = missingSecrets(plan, process.env);
  if (missing.length > 0) {
    console.error(`vigil apply: ${file}: host ${host} needs secrets that are not set: ${missing.join(", ")}`);
    return 1;
  }
  const ssh: SshTarget = { ...target, ...(identity ? { identity } : {}), knownHosts: defaultKnownHosts() };
  const where = `${target.user}@${target.host}:${target.port}`;
  console.log(`applying ${plan.steps.length} steps of ${host} (${plan.roles.join(", ")}) to ${where}`);
  try {
    const progress = progressPrinter();
    const outcome = await applyHostPlan(plan, ssh, secretsFromEnv(plan, process.env), progress.out, progress.onStart);
    if (outcome.failure) {
      console.error(describeOutcome(outcome, where));
      return 1;
    }
    console.log(describeOutcome(outcome, where));
    return 0;
  } finally {
    await sshClose(ssh);
  }
}
