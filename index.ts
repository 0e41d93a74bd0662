// The Pulumi program: the stack named E deploys the spec stacks/E.yaml (or the file that config
// `vigil:spec` names). Secrets come from config secrets `vigil:<NAME>` for every `{ secret: NAME }`
// in the spec, the SSH key from `vigil:sshPrivateKey`; the DigitalOcean provider reads its token
// from `digitalocean:token`. Everything else lives in components/program.ts.
import { resolve } from "node:path";
import * as pulumi from "@pulumi/pulumi";
import { loadSpecFile } from "./schema/load-spec.ts";
import { formatErrors } from "./schema/spec-errors.ts";
import { buildVigil } from "./components/program.ts";

const config = new pulumi.Config("vigil");
const stack = pulumi.getStack();
const specPath = resolve(config.get("spec") ?? `stacks/${stack}.yaml`);
const loaded = loadSpecFile(specPath);
if (!loaded.ok) {
  // A RunError is shown without a stack trace: the located spec errors are the whole message.
  throw new pulumi.RunError(`invalid spec ${specPath}:\n${formatErrors(loaded.errors)}`);
}
const spec = loaded.spec;
if (spec.environment !== stack) {
  pulumi.log.warn(`stack "${stack}" deploys ${specPath}, whose environment is "${spec.environment}"`);
}

const outputs = buildVigil({
  spec,
  secret: (name) => config.requireSecret(name),
  sshPrivateKey: config.requireSecret("sshPrivateKey"),
});

export const hosts = outputs.hosts;
export const dashboards = outputs.dashboards;
export const uptimeCheckIds = outputs.uptimeCheckIds;
