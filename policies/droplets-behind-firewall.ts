// A droplet that no DigitalOcean firewall applies to accepts every port from the internet, SSH
// included: ssh-not-open-to-world only sees the rules of firewalls that exist.
import { Droplet, Firewall } from "@pulumi/digitalocean";
import { listing } from "./spec-resource.ts";
import type { VigilStackPolicy } from "./vigil-policy.ts";

const strings = (value: unknown): string[] => (Array.isArray(value) ? value.filter((v): v is string => typeof v === "string") : []);

export const dropletsBehindFirewall: VigilStackPolicy = {
  name: "droplets-behind-firewall",
  description: "Every droplet is behind a DigitalOcean firewall (by tag or droplet id); without one, SSH and every other port are open to the internet.",
  remediationSteps:
    "Give the droplet a tag that a firewall applies to (vigil's program tags every droplet with <project>-<environment>, which its base firewall targets), or list it in a firewall's dropletIds.",
  enforcementLevel: "advisory",
  configSchema: { properties: {} },
  validateStack: (args, reportViolation) => {
    const firewalls = args.resources.filter((r) => r.isType(Firewall));
    const firewallTags = new Set(firewalls.flatMap((f) => strings(f.props.tags)));
    // Droplet ids exist only once droplets are created: a firewall listing ids may cover any of them.
    const byId = firewalls.some((f) => Array.isArray(f.props.dropletIds) && f.props.dropletIds.length > 0);
    for (const droplet of args.resources.filter((r) => r.isType(Droplet))) {
      const tags = strings(droplet.props.tags);
      if (byId || tags.some((t) => firewallTags.has(t))) continue;
      const name = (droplet.props.name as string | undefined) ?? droplet.name;
      const known = [...firewallTags];
      reportViolation(
        firewalls.length === 0
          ? `droplet ${name} is behind no firewall (the stack has none), so SSH and every port are open to the internet: create a firewall that applies to its tags`
          : `droplet ${name} (tags: ${tags.length ? tags.join(", ") : "none"}) is behind no firewall, so SSH and every port are open to the internet: ` +
              `tag it with ${listing(known.map((t) => `"${t}"`)) || "a firewall's tag"} or add it to a firewall's dropletIds`,
        droplet.urn,
      );
    }
  },
};
