// The environment's private network and its firewalls.
import * as pulumi from "@pulumi/pulumi";
import * as digitalocean from "@pulumi/digitalocean";
import { CROWDSEC_LAPI_PORT, METRICS_PORTS, SSH_PORT } from "../provisioning/service-ports.ts";


const WORLD = ["0.0.0.0/0", "::/0"];

export interface NetworkArgs {
  /** Prefix of every resource name: `<project>-<environment>`. */
  prefix: string;
  /** DigitalOcean region slug of the VPC (the droplets' region). */
  region: string;
  /** Private CIDR of the VPC (spec `vpc.ipRange`); the only source allowed to reach metrics ports. */
  ipRange: string;
  /** CIDRs allowed to reach SSH (spec `access.sshAllowFrom`); empty means no inbound SSH at all. */
  sshAllowFrom: string[];
  /** Tag carried by every droplet of the environment: the base firewall applies to it. */
  environmentTag: pulumi.Input<string>;
  /**
   * Tag carried by node-role droplets: HTTP and HTTPS are open to the world there, since those
   * hosts serve the applications the uptime checks probe. Undefined when no host has the node role.
   */
  nodeTag?: pulumi.Input<string>;
  /**
   * Ports of the applications' metrics endpoints (spec hosts[].scrape): open to the VPC only,
   * where the hub scrapes them, like vigil's own exporters.
   */
  appMetricsPorts?: number[];
  /**
   * CrowdSec runs as one fleet (stack.crowdsec.fleetKey): the first hub's Local API port is open
   * to the VPC only, where the nodes' agents and bouncers reach it.
   */
  crowdsecLapi?: boolean;
}

/**
 * A VPC, and firewalls applied by tag: SSH only from `sshAllowFrom`, metrics ports only from the
 * VPC, ICMP from anywhere (DigitalOcean ping checks and the hub's probes), all outbound.
 * Firewalls go by tag rather than by droplet id so the network exists before the droplets.
 */
export class Network extends pulumi.ComponentResource {
  /** The VPC's id, for droplets' `vpcUuid`. */
  public readonly vpcId: pulumi.Output<string>;
  public readonly vpc: digitalocean.Vpc;
  public readonly firewall: digitalocean.Firewall;
  public readonly webFirewall?: digitalocean.Firewall;

  constructor(name: string, args: NetworkArgs, opts?: pulumi.ComponentResourceOptions) {
    super("vigil:index:Network", name, { region: args.region, ipRange: args.ipRange, sshAllowFrom: args.sshAllowFrom }, opts);
    const parent = { parent: this };
    const world = args.sshAllowFrom.filter((cidr) => /\/0$/.test(cidr));
    if (world.length > 0) {
      throw new Error(`access.sshAllowFrom: ${world.join(", ")} opens SSH to the whole internet; list the networks that administer the hosts`);
    }

    this.vpc = new digitalocean.Vpc(
      `${args.prefix}-vpc`,
      { name: `${args.prefix}-vpc`, region: args.region, ipRange: args.ipRange, description: `vigil: ${args.prefix}` },
      parent,
    );
    this.vpcId = this.vpc.id;

    const inboundRules: digitalocean.types.input.FirewallInboundRule[] = [
      ...(args.sshAllowFrom.length > 0 ? [{ protocol: "tcp", portRange: String(SSH_PORT), sourceAddresses: args.sshAllowFrom }] : []),
      ...[...new Set([...METRICS_PORTS, ...(args.appMetricsPorts ?? []), ...(args.crowdsecLapi ? [CROWDSEC_LAPI_PORT] : [])])].map((port) => ({ protocol: "tcp", portRange: String(port), sourceAddresses: [args.ipRange] })),
      { protocol: "icmp", sourceAddresses: WORLD },
    ];
    this.firewall = new digitalocean.Firewall(
      `${args.prefix}-firewall`,
      {
        name: `${args.prefix}-base`,
        tags: [args.environmentTag],
        inboundRules,
        outboundRules: [
          { protocol: "tcp", portRange: "1-65535", destinationAddresses: WORLD },
          { protocol: "udp", portRange: "1-65535", destinationAddresses: WORLD },
          { protocol: "icmp", destinationAddresses: WORLD },
        ],
      },
      parent,
    );
    if (args.nodeTag !== undefined) {
      this.webFirewall = new digitalocean.Firewall(
        `${args.prefix}-web-firewall`,
        {
          name: `${args.prefix}-web`,
          tags: [args.nodeTag],
          inboundRules: [
            { protocol: "tcp", portRange: "80", sourceAddresses: WORLD },
            { protocol: "tcp", portRange: "443", sourceAddresses: WORLD },
          ],
        },
        parent,
      );
    }
    this.registerOutputs({ vpcId: this.vpcId, firewallId: this.firewall.id, ...(this.webFirewall ? { webFirewallId: this.webFirewall.id } : {}) });
  }
}
