// Everything `pulumi up` creates for one spec. index.ts calls it with config secrets; the offline
// planner (cloud-preview.ts, `vigil plan`, `vigil check`) calls it under mocks with placeholders.
import { crowdsecFleet } from "../provisioning/crowdsec-fleet.ts";
import * as pulumi from "@pulumi/pulumi";
import * as digitalocean from "@pulumi/digitalocean";
import { isSecretRef, type Spec } from "../schema/spec-schema.ts";
import { addressDependence, planWithAddresses, standInContexts, type StandInContexts } from "../provisioning/address-dependence.ts";
import { planForHost, type HostPlanner } from "../provisioning/host-plan.ts";
import type { HostPlan } from "../provisioning/plan.ts";
import { ALERTMANAGER_PORT, NETDATA_PORT, PROMETHEUS_PORT } from "../provisioning/service-ports.ts";
import { alertNotifications } from "./alert-notifications.ts";
import { DropletMonitorAlerts, type WatchedDroplet } from "./droplet-monitor-alerts.ts";
import { HostProvisioning, type ProvisionedStep } from "./host-provisioning.ts";
import { MonitoredHost } from "./monitored-host.ts";
import { Network } from "./network.ts";
import { SpecResource } from "./spec-resource.ts";
import { dropletSshKeys } from "./ssh-keys.ts";
import { UptimeMonitors } from "./uptime-monitors.ts";

export interface ProgramArgs {
  /** The validated spec. */
  spec: Spec;
  /** The value of a spec secret by name, as a secret Output (config `vigil:<NAME>`). */
  secret: (name: string) => pulumi.Output<string>;
  /** The provisioning user's SSH private key (config secret `vigil:sshPrivateKey`). */
  sshPrivateKey: pulumi.Output<string>;
  /** Host planner; defaults to provisioning/host-plan.ts `planForHost`. */
  planHost?: HostPlanner;
}

/** Local ports of the SSH tunnels to the dashboards: the same ports as on the host. */
export const TUNNEL_PORTS = { netdata: NETDATA_PORT, prometheus: PROMETHEUS_PORT, alertmanager: ALERTMANAGER_PORT } as const;

/** What the stack exports. */
export interface VigilOutputs {
  /** Per host: its addresses and roles. */
  hosts: Record<string, { publicAddress: pulumi.Output<string>; privateAddress: pulumi.Output<string>; roles: string[] }>;
  /**
   * Per host: the `ssh -N -L ...` command that opens its dashboards, and the local URLs that then
   * work (Netdata on node hosts; Prometheus and Alertmanager on hubs). Nothing listens publicly.
   */
  dashboards: Record<string, { tunnel: pulumi.Output<string>; urls: Record<string, string> }>;
  /** DigitalOcean uptime check ids by check name (`hub-<host>` for the hub pings). */
  uptimeCheckIds: Record<string, pulumi.Output<string>>;
}

/** Names of every secret the spec references (`{ secret: NAME }`), sorted. */
export function specSecretNames(spec: Spec): string[] {
  const names = new Set<string>();
  const walk = (v: unknown): void => {
    if (isSecretRef(v)) names.add(v.secret);
    else if (Array.isArray(v)) v.forEach(walk);
    else if (typeof v === "object" && v !== null) Object.values(v).forEach(walk);
  };
  walk(spec);
  return [...names].sort();
}

/** DigitalOcean project environments: Development, Staging or Production. */
export function projectEnvironment(environment: string): string {
  if (/^prod/.test(environment)) return "Production";
  if (/^(stag|stage|preprod|uat)/.test(environment)) return "Staging";
  return "Development";
}

/** Region set of the hub ping checks (DigitalOcean uptime regions are snake_case). */
export const HUB_PING_REGIONS = ["us_east", "eu_west"];

/**
 * The host's steps for HostProvisioning: each step that does not depend on addresses now (shown in
 * full by `pulumi preview`), the others once the addresses they need are known
 * (provisioning/address-dependence.ts decides which).
 */
function provisionedSteps(
  spec: Spec,
  hostName: string,
  planHost: HostPlanner,
  standIns: StandInContexts,
  addresses: Record<string, pulumi.Output<string>>,
): ProvisionedStep[] {
  const dependence = addressDependence(spec, hostName, planHost, standIns);
  let real: pulumi.Output<HostPlan> | undefined;
  const realPlan = () =>
    (real ??= (dependence.dependsOnOthers ? pulumi.all(addresses) : addresses[hostName]!.apply((address) => ({ [hostName]: address }))).apply(
      (known) => planWithAddresses(spec, hostName, planHost, dependence, known),
    ));
  return dependence.offline.steps.map((step, i) => ({
    id: step.id,
    secrets: dependence.secrets[i]!,
    step: dependence.independent[i] ? pulumi.output(step) : realPlan().apply((p) => p.steps[i]!),
  }));
}

/** Creates every resource of the environment; returns the stack outputs. */
export function buildVigil(args: ProgramArgs): VigilOutputs {
  const { spec } = args;
  const planHost = args.planHost ?? planForHost;
  const prefix = `${spec.project}-${spec.environment}`;
  const roles = (role: string) => spec.hosts.filter((h) => h.roles.includes(role as "node" | "hub"));

  new SpecResource(spec.environment, { spec });

  const secrets = Object.fromEntries(specSecretNames(spec).map((name) => [name, pulumi.secret(args.secret(name))]));
  const notifications = alertNotifications(spec, (name) => secrets[name]!);

  const environmentTag = new digitalocean.Tag(prefix, { name: prefix });
  const roleTags = Object.fromEntries(
    (["node", "hub"] as const).filter((r) => roles(r).length > 0).map((r) => [r, new digitalocean.Tag(`${prefix}-${r}`, { name: `${prefix}-${r}` })]),
  );
  const project = new digitalocean.Project(prefix, {
    name: prefix,
    environment: projectEnvironment(spec.environment),
    description: `vigil: ${spec.project} ${spec.environment}`,
  });
  const sshKeys = dropletSshKeys(prefix, spec.access.sshKeys);

  const network = new Network(prefix, {
    prefix,
    region: spec.region,
    ipRange: spec.vpc.ipRange,
    sshAllowFrom: spec.access.sshAllowFrom,
    environmentTag: environmentTag.name,
    nodeTag: roleTags.node?.name,
    appMetricsPorts: spec.hosts.flatMap((h) => h.scrape.map((t) => t.port)),
    crowdsecLapi: crowdsecFleet(spec),
  });

  const hosts = spec.hosts.map(
    (host) =>
      new MonitoredHost(host.name, {
        host,
        prefix,
        region: spec.region,
        vpcId: network.vpcId,
        sshKeyFingerprints: sshKeys.fingerprints,
        tags: [spec.project, prefix, ...host.roles.map((r) => `${prefix}-${r}`)],
        projectId: project.id,
        dependsOn: [environmentTag, ...Object.values(roleTags), ...sshKeys.uploaded],
      }),
  );

  const addresses = Object.fromEntries(hosts.map((h, i) => [spec.hosts[i]!.name, h.privateAddress]));
  const standIns = standInContexts(spec);
  spec.hosts.forEach((host, i) => {
    new HostProvisioning(host.name, {
      host: host.name,
      steps: provisionedSteps(spec, host.name, planHost, standIns, addresses),
      connection: { host: hosts[i]!.publicAddress, port: hosts[i]!.sshPort, user: spec.access.user, privateKey: args.sshPrivateKey },
      sudo: spec.access.user !== "root",
      secrets,
      waitForBoot: host.existing === undefined,
    });
  });

  const uptime = new UptimeMonitors(prefix, {
    prefix,
    checks: spec.uptime,
    hubs: spec.hosts.flatMap((h, i) => (h.roles.includes("hub") ? [{ name: h.name, address: hosts[i]!.publicAddress }] : [])),
    hubRegions: HUB_PING_REGIONS,
    notifications,
  });

  const droplets: WatchedDroplet[] = spec.hosts.flatMap((h, i) => {
    const droplet = hosts[i]!.droplet;
    return droplet ? [{ name: h.name, id: droplet.id, size: h.size, vcpus: droplet.vcpus }] : [];
  });
  new DropletMonitorAlerts(prefix, { prefix, thresholds: spec.thresholds, droplets, notifications });

  return {
    hosts: Object.fromEntries(
      spec.hosts.map((h, i) => [h.name, { publicAddress: hosts[i]!.publicAddress, privateAddress: hosts[i]!.privateAddress, roles: [...h.roles] }]),
    ),
    dashboards: Object.fromEntries(
      spec.hosts.flatMap((h, i) => {
        const ports: [string, number][] = [
          ...(h.roles.includes("node") && spec.stack.netdata.enabled ? [["netdata", TUNNEL_PORTS.netdata] as [string, number]] : []),
          ...(h.roles.includes("hub")
            ? [["prometheus", TUNNEL_PORTS.prometheus] as [string, number], ["alertmanager", TUNNEL_PORTS.alertmanager] as [string, number]]
            : []),
        ];
        if (ports.length === 0) return [];
        const port = hosts[i]!.sshPort;
        const tunnel = pulumi.interpolate`ssh -N ${ports.map(([, p]) => `-L ${p}:127.0.0.1:${p} `).join("")}${port === 22 ? "" : `-p ${port} `}${spec.access.user}@${hosts[i]!.publicAddress}`;
        return [[h.name, { tunnel, urls: Object.fromEntries(ports.map(([name, p]) => [name, `http://localhost:${p}/`])) }]];
      }),
    ),
    uptimeCheckIds: uptime.checkIds,
  };
}
