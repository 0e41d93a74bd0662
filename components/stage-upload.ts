// Uploading a step's staged files with remote.Command: the same files, at the same place, with the
// same bytes as `vigil apply` uploads (stagedFiles(step) into stageDir(step)).
//
// Why not remote.CopyToRemote: in @pulumi/command 1.2.1 its `source` must be a FileAsset,
// StringAsset or a path FileArchive (an AssetArchive is rejected by the provider's Check), and an
// unknown `source` during preview fails Check ("either asset or archive must be set",
// pulumi/pulumi-command#754). The hub's files depend on the droplets' VPC addresses, which are
// unknown until the droplets exist, so the first `pulumi up` of a stack would fail its preview.
// A command's stdin may be unknown during preview, so the files travel on stdin instead.
import { shq } from "../provisioning/shell-quote.ts";
import { stageDir, stagedFiles } from "../provisioning/step-script.ts";
import type { PlanStep } from "../provisioning/plan.ts";

const b64 = (s: string): string => Buffer.from(s, "utf8").toString("base64");

/**
 * Stdin of the upload: one line `MODE PATH_BASE64 CONTENT_BASE64` per staged file (paths
 * relative to stageDir). Base64 keeps any byte of any file intact through the SSH session.
 */
export const stageUploadStdin = (step: PlanStep): string =>
  stagedFiles(step)
    .map((f) => `${f.mode} ${b64(f.path)} ${b64(f.content)}\n`)
    .join("");

/**
 * The upload command: unpacks the stdin lines into `<stageDir>.partial`, then swaps it into
 * place, so a half-finished upload never looks like a staged step.
 */
export function stageUploadCommand(step: PlanStep, opts: { sudo?: boolean } = {}): string {
  const dir = stageDir(step);
  const script = `set -euo pipefail
umask 077
dir=${shq(dir)}
partial="$dir.partial"
rm -rf "$partial"
mkdir -p "$partial"
while read -r mode path data; do
  [ -n "$mode" ] || continue
  rel=$(printf '%s' "$path" | base64 -d)
  case "/$rel/" in */../*) echo "vigil-stage: refusing path $rel" >&2; exit 1 ;; esac
  mkdir -p "$partial/$(dirname "$rel")"
  printf '%s' "$data" | base64 -d > "$partial/$rel"
  chmod "$mode" "$partial/$rel"
done
rm -rf "$dir"
mv "$partial" "$dir"
echo "vigil-stage: $dir"`;
  return `${opts.sudo ? "sudo -n " : ""}bash -c ${shq(script)}`;
}

/** Inverse of stageUploadStdin (for tests and `vigil plan` readers). */
export function decodeStageUpload(stdin: string): { path: string; mode: string; content: string }[] {
  return stdin
    .split("\n")
    .filter((line) => line !== "")
    .map((line) => {
      const [mode, path, data] = line.split(" ") as [string, string, string];
      return { mode, path: Buffer.from(path, "base64").toString("utf8"), content: Buffer.from(data ?? "", "base64").toString("utf8") };
    });
}
