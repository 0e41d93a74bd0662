// The SSH keys droplets are created with (access.sshKeys). A public key is uploaded as a
// digitalocean.SshKey; a key already on the account ({ fingerprint } or { name }) is looked up with
// the provider's data sources and never uploaded: DigitalOcean accepts a public key once per
// account and answers 422 "SSH Key is already in use on your account" to a second upload, which
// is the normal case for a laptop key and for a second environment in the same account.
import * as pulumi from "@pulumi/pulumi";
import * as digitalocean from "@pulumi/digitalocean";
import type { SshKeyEntry } from "../schema/spec-schema.ts";
import { sshKeyFingerprint } from "./ssh-key-fingerprint.ts";

export interface DropletSshKeys {
  /**
   * One fingerprint per access.sshKeys entry, in spec order: computed locally for an uploaded key
   * (known at preview, so it never changes spuriously; a change of a droplet's `sshKeys` replaces
   * it), the looked-up one for an existing key (data sources are read during preview too).
   */
  fingerprints: pulumi.Input<string>[];
  /** The SshKey resources of uploaded keys: droplets wait for them. */
  uploaded: digitalocean.SshKey[];
}

/** Resolves access.sshKeys; `prefix` is `<project>-<environment>` (names of uploaded keys). */
export function dropletSshKeys(prefix: string, entries: readonly SshKeyEntry[], opts?: pulumi.CustomResourceOptions): DropletSshKeys {
  const uploaded: digitalocean.SshKey[] = [];
  const fingerprints = entries.map((entry, i): pulumi.Input<string> => {
    if (typeof entry === "string") {
      uploaded.push(new digitalocean.SshKey(`${prefix}-ssh-key-${i}`, { name: `${prefix}-${i}`, publicKey: entry }, opts));
      return sshKeyFingerprint(entry);
    }
    if ("name" in entry) return digitalocean.getSshKeyOutput({ name: entry.name }).fingerprint;
    return digitalocean
      .getSshKeysOutput({ filters: [{ key: "fingerprint", values: [entry.fingerprint] }] })
      .apply(({ sshKeys }) => {
        const found = sshKeys.find((k) => k.fingerprint === entry.fingerprint);
        if (!found) {
          throw new Error(`access.sshKeys[${i}]: no SSH key with fingerprint ${entry.fingerprint} on the DigitalOcean account; upload it once or give its public key`);
        }
        return found.fingerprint;
      });
  });
  return { fingerprints, uploaded };
}
