// The MD5 fingerprint DigitalOcean shows for an uploaded public key (`aa:bb:...`), computed
// locally so a droplet's `sshKeys` input is known at preview time and never changes spuriously
// (a change of `sshKeys` replaces the droplet).
import { createHash } from "node:crypto";

export function sshKeyFingerprint(publicKey: string): string {
  const blob = publicKey.trim().split(/\s+/)[1];
  if (!blob) throw new Error(`not an OpenSSH public key: ${publicKey.slice(0, 20)}...`);
  const digest = createHash("md5").update(Buffer.from(blob, "base64")).digest("hex");
  return digest.match(/../g)!.join(":");
}
