// One host of the spec: a new droplet, or an existing server vigil only provisions.
import * as pulumi from "@pulumi/pulumi";
import * as digitalocean from "@pulumi/digitalocean";
import type { Host } from "../schema/spec-schema.ts";

export interface MonitoredHostArgs {
  /** The spec's host entry (name, size, image, roles, backups, existing). */
  host: Host;
  /** Prefix of every resource name: `<project>-<environment>`; the droplet is `<prefix>-<host>`. */
  prefix: string;
  /** DigitalOcean region slug. */
  region: string;
  /** The environment VPC's id (droplets only). */
  vpcId: pulumi.Input<string>;
  /**
   * Fingerprints of the SSH keys to install (DigitalOcean SshKey resources). Computed locally from
   * the public keys so they are known at preview: a change of `sshKeys` replaces the droplet.
   */
  sshKeyFingerprints: string[];
  /** Tags of the droplet: project, environment and one per role (firewalls select by tag). */
  tags: pulumi.Input<string>[];
  /** The DigitalOcean project the droplet joins (ProjectResources membership). */
  projectId: pulumi.Input<string>;
  /** Resources the droplet must wait for: the SshKey resources and Tag resources. */
  dependsOn?: pulumi.Resource[];
}

/**
 * A droplet with DigitalOcean monitoring on (monitor alerts need the agent), in the VPC, tagged,
 * with SSH keys, backups per the spec, and a member of the project. For a host with `existing`,
 * no cloud resource at all: only its addresses, for provisioning and the hub's scrape targets.
 */
export class MonitoredHost extends pulumi.ComponentResource {
  /** Address vigil connects to over SSH (droplet public IPv4, or `existing.address`). */
  public readonly publicAddress: pulumi.Output<string>;
  /** Address the other hosts use (droplet VPC IPv4, or `existing.privateAddress ?? existing.address`). */
  public readonly privateAddress: pulumi.Output<string>;
  /** SSH port (22 for droplets). */
  public readonly sshPort: number;
  /** The droplet, when vigil creates one. */
  public readonly droplet?: digitalocean.Droplet;

  constructor(name: string, args: MonitoredHostArgs, opts?: pulumi.ComponentResourceOptions) {
    const { host } = args;
    super("vigil:index:MonitoredHost", name, { host: host.name, roles: host.roles, existing: host.existing ?? null }, opts);
    if (host.existing) {
      this.publicAddress = pulumi.output(host.existing.address);
      this.privateAddress = pulumi.output(host.existing.privateAddress ?? host.existing.address);
      this.sshPort = host.existing.port;
    } else {
      const dropletName = `${args.prefix}-${host.name}`;
      this.droplet = new digitalocean.Droplet(
        dropletName,
        {
          name: dropletName,
          region: args.region,
          size: host.size,
          image: host.image,
          vpcUuid: args.vpcId,
          monitoring: true,
          backups: host.backups,
          sshKeys: args.sshKeyFingerprints,
          tags: args.tags,
        },
        { parent: this, dependsOn: args.dependsOn },
      );
      new digitalocean.ProjectResources(
        `${dropletName}-project`,
        { project: args.projectId, resources: [this.droplet.dropletUrn] },
        { parent: this },
      );
      this.publicAddress = this.droplet.ipv4Address;
      this.privateAddress = this.droplet.ipv4AddressPrivate;
      this.sshPort = 22;
    }
    this.registerOutputs({
      publicAddress: this.publicAddress,
      privateAddress: this.privateAddress,
      sshPort: this.sshPort,
      ...(this.droplet ? { dropletId: this.droplet.id, dropletUrn: this.droplet.dropletUrn } : {}),
    });
  }
}
