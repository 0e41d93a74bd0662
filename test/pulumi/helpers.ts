// Shared by the Pulumi tests: loading specs and reading the planned resource graph.
import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { loadSpecFile, loadSpecText } from "../../schema/load-spec.ts";
import { formatErrors } from "../../schema/spec-errors.ts";
import type { Spec } from "../../schema/spec-schema.ts";
import type { CloudResource } from "../../components/cloud-preview.ts";

export const ROOT = fileURLToPath(new URL("../../", import.meta.url));
export const FIXTURES = fileURLToPath(new URL("./fixtures/", import.meta.url));

/** The specs the graph tests cover: both example stacks and the existing-servers fixture. */
export const SPEC_FILES = {
  dev: `${ROOT}stacks/dev.yaml`,
  prod: `${ROOT}stacks/prod.yaml`,
  existing: `${FIXTURES}existing-servers.yaml`,
} as const;

export function loadSpec(file: string): Spec {
  const r = loadSpecFile(file);
  if (!r.ok) throw new Error(formatErrors(r.errors));
  return r.spec;
}

/** A spec file's text with one replacement applied (the replacement must match). */
export function loadEdited(file: string, from: string | RegExp, to: string): Spec {
  const text = readFileSync(file, "utf8");
  const edited = text.replace(from, to);
  if (edited === text) throw new Error(`edit ${String(from)} did not apply to ${file}`);
  const r = loadSpecText(edited, file);
  if (!r.ok) throw new Error(formatErrors(r.errors));
  return r.spec;
}

export const T = {
  droplet: "digitalocean:index/droplet:Droplet",
  vpc: "digitalocean:index/vpc:Vpc",
  firewall: "digitalocean:index/firewall:Firewall",
  sshKey: "digitalocean:index/sshKey:SshKey",
  tag: "digitalocean:index/tag:Tag",
  project: "digitalocean:index/project:Project",
  projectResources: "digitalocean:index/projectResources:ProjectResources",
  uptimeCheck: "digitalocean:index/uptimeCheck:UptimeCheck",
  uptimeAlert: "digitalocean:index/uptimeAlert:UptimeAlert",
  monitorAlert: "digitalocean:index/monitorAlert:MonitorAlert",
  command: "command:remote:Command",
  copyToRemote: "command:remote:CopyToRemote",
  spec: "vigil:index:Spec",
} as const;

export const ofType = (rs: CloudResource[], type: string) => rs.filter((r) => r.type === type);

export function named(rs: CloudResource[], type: string, name: string): CloudResource {
  const found = rs.find((r) => r.type === type && r.name === name);
  if (!found) throw new Error(`no ${type} named ${name}; have: ${ofType(rs, type).map((r) => r.name).join(", ")}`);
  return found;
}

/** The value of a revealed secret input (`{ "[secret]": value }`), failing when it is not secret. */
export function revealed(value: unknown): unknown {
  if (typeof value !== "object" || value === null || !("[secret]" in value)) {
    throw new Error(`expected a secret input, got ${JSON.stringify(value)?.slice(0, 200)}`);
  }
  return (value as Record<string, unknown>)["[secret]"];
}
