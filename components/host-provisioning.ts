// A host's Plan steps as remote commands: per step, one command that uploads the staged files and
// one that runs the step script, exactly as `vigil apply` does (provisioning/step-script.ts).
import * as pulumi from "@pulumi/pulumi";
import { remote } from "@pulumi/command";
import { stepHash, type PlanStep } from "../provisioning/plan.ts";
import { secretsStdin, stepCommand } from "../provisioning/step-script.ts";
import { stageUploadCommand, stageUploadStdin } from "./stage-upload.ts";

/** One Plan step, by id, with its content (known now, or once the hosts' addresses are). */
export interface ProvisionedStep {
  /** The step id; fixed before any address is known (resource names derive from it). */
  id: string;
  /** Names of the spec secrets the step's files need (its stdin carries them). */
  secrets: string[];
  /** The step itself; an Output so steps that depend on VPC addresses can wait for them. */
  step: pulumi.Output<PlanStep>;
}

/** How Pulumi reaches the host over SSH. */
export interface HostConnection {
  /** Address to connect to: the droplet's public IPv4 or `existing.address`. */
  host: pulumi.Input<string>;
  /** SSH port. */
  port: number;
  /** Login user (spec `access.user`). */
  user: string;
  /** Private key (config secret `vigil:sshPrivateKey`); stays a secret. */
  privateKey: pulumi.Output<string>;
}

export interface HostProvisioningArgs {
  /** The spec's host name; resource names are `<host>-<step id>` and `<host>-<step id>-stage`. */
  host: string;
  /** The host's Plan steps, in plan order: each runs after the previous one finished. */
  steps: ProvisionedStep[];
  /** SSH connection to the host. */
  connection: HostConnection;
  /** Run the stage upload and the step with `sudo -n` (the login user is not root). */
  sudo: boolean;
  /** Values of the spec secrets by name, as secret Outputs (config `vigil:<NAME>`). */
  secrets: Record<string, pulumi.Output<string>>;
  /**
   * Wait for cloud-init to finish before the first step (a new droplet holds the apt lock while
   * it boots). False for existing servers.
   */
  waitForBoot: boolean;
}

/** How many times a command retries connecting: a new droplet takes a minute or two to accept SSH. */
const DIAL_ERROR_LIMIT = 20;

/**
 * Per Plan step: `<host>-<id>-stage` uploads stagedFiles(step) into stageDir(step), then
 * `<host>-<id>` runs stepCommand(step) with secretsStdin(step) on stdin. Both are triggered by the
 * step's content hash, so an unchanged step is left alone and a changed one re-runs; steps run
 * one after another in plan order (one SSH session at a time per host).
 */
export class HostProvisioning extends pulumi.ComponentResource {
  /** The step commands in plan order. */
  public readonly commands: remote.Command[] = [];

  constructor(name: string, args: HostProvisioningArgs, opts?: pulumi.ComponentResourceOptions) {
    super("vigil:index:HostProvisioning", name, { host: args.host, steps: args.steps.map((s) => s.id), sudo: args.sudo }, opts);
    const connection = {
      host: args.connection.host,
      port: args.connection.port,
      user: args.connection.user,
      privateKey: pulumi.secret(args.connection.privateKey),
      dialErrorLimit: DIAL_ERROR_LIMIT,
    };
    const sudo = { sudo: args.sudo };
    let previous: pulumi.Resource | undefined;
    if (args.waitForBoot) {
      previous = new remote.Command(
        `${args.host}-boot`,
        { connection, create: "cloud-init status --wait >/dev/null 2>&1 || true" },
        { parent: this },
      );
    }
    for (const { id, secrets, step } of args.steps) {
      // One pass over the step for everything derived from it (hashing a step reads all its files).
      const derived = step.apply((s) => ({
        hash: stepHash(s),
        upload: stageUploadCommand(s, sudo),
        files: stageUploadStdin(s),
        command: stepCommand(s, sudo),
      }));
      const hash = derived.hash;
      const stage = new remote.Command(
        `${args.host}-${id}-stage`,
        { connection, create: derived.upload, stdin: derived.files, triggers: [hash] },
        { parent: this, dependsOn: previous ? [previous] : [] },
      );
      const values = pulumi.all(Object.fromEntries(secrets.map((n) => [n, args.secrets[n] ?? missingSecret(n, id)])));
      const run: remote.Command = new remote.Command(
        `${args.host}-${id}`,
        {
          connection,
          create: derived.command,
          ...(secrets.length > 0 ? { stdin: pulumi.secret(pulumi.all([step, values]).apply(([s, v]) => secretsStdin(s, v))) } : {}),
          triggers: [hash],
        },
        { parent: this, dependsOn: [stage] },
      );
      this.commands.push(run);
      previous = run;
    }
    this.registerOutputs({ steps: args.steps.map((s) => s.id) });
  }
}

function missingSecret(name: string, step: string): never {
  throw new Error(`step ${step} needs secret "${name}": set it with \`pulumi config set --secret vigil:${name}\``);
}
