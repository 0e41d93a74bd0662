// The one shell script a plan step runs on its host. Pulumi (CopyToRemote + remote.Command) and
// `vigil apply` (ssh) upload the same staged files and run the same command with the same stdin;
// test/pulumi proves the texts are byte-identical.
//
// Protocol:
//   1. upload `stagedFiles(step)` into `stageDir(step)` (content files + step.sh);
//   2. run `stepCommand(step)` with `secretsStdin(step, values)` on stdin;
//   3. the last line of stdout is `vigil-step: changed` or `vigil-step: unchanged`; exit 1 on failure.
import { createHmac } from "node:crypto";
import { DERIVED_PLACEHOLDER, secretInputName, stepHash, stepSecretInputs, type PlanFile, type PlanStep } from "./plan.ts";
import { shq } from "./shell-quote.ts";

/** Where vigil keeps its own state on a host. */
export const VIGIL_LIB = "/var/lib/vigil";

/**
 * A secret name as the schema allows it. Names become file names under $secrets and arrive on
 * stdin, so the script refuses anything else too (a `/` or `..` would leave the directory).
 */
export const SECRET_NAME = /^[A-Za-z][A-Za-z0-9_]*$/;

/** The staging directory of this version of the step (a new hash, a new directory). */
export const stageDir = (step: PlanStep): string => `${VIGIL_LIB}/stage/${step.id}-${stepHash(step)}`;

/** A file to upload before the step runs, relative to stageDir(step). */
export interface StagedFile {
  path: string;
  mode: string;
  content: string;
}

/** The step's content files and its script, as they must be uploaded into stageDir(step). */
export function stagedFiles(step: PlanStep): StagedFile[] {
  const files: StagedFile[] = step.files
    .filter((f) => f.secret === undefined)
    .map((f) => ({ path: `files${f.path}`, mode: "0600", content: f.content ?? "" }));
  return [...files, { path: "step.sh", mode: "0700", content: stepScript(step) }];
}

/** The command that runs the staged step (the same text under Pulumi and `vigil apply`). */
export const stepCommand = (step: PlanStep, opts: { sudo?: boolean } = {}): string =>
  `${opts.sudo ? "sudo -n " : ""}bash ${stageDir(step)}/step.sh`;

/**
 * Stdin for the step: one line `NAME BASE64` per secret its files need. Throws naming the first
 * secret without a value; the value itself never appears in a message.
 */
export function secretsStdin(step: PlanStep, values: Readonly<Record<string, string | undefined>>): string {
  const byInput = new Map<string, PlanFile>();
  for (const f of step.files) if (f.secret !== undefined && !byInput.has(secretInputName(f))) byInput.set(secretInputName(f), f);
  return [...byInput.entries()]
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
    .map(([name, f]) => {
      const value = values[f.secret!];
      if (value === undefined) throw new Error(`secret "${f.secret}" has no value (step ${step.id})`);
      return `${name} ${Buffer.from(secretFileContent(f, value), "utf8").toString("base64")}\n`;
    })
    .join("");
}

/** Hex HMAC-SHA256 of `label` under a secret: one credential per label from one spec secret. */
export const deriveSecret = (secretValue: string, label: string): string => createHmac("sha256", secretValue).update(label, "utf8").digest("hex");

/** What a secret file holds: the secret's value, or its template with the derived value in. */
export function secretFileContent(f: PlanFile, secretValue: string): string {
  if (f.derived === undefined) return secretValue;
  // Every host's credential hangs on this one value: refuse a guessable one (never naming it).
  if (secretValue.length < 16) throw new Error(`secret "${f.secret}" is shorter than 16 characters: too weak to derive ${f.path} (make one with openssl rand -hex 32)`);
  return f.derived.template.replaceAll(DERIVED_PLACEHOLDER, deriveSecret(secretValue, f.derived.label));
}

/** The bash script of a step. Deterministic: the same step gives the same bytes. */
export function stepScript(step: PlanStep): string {
  const hash = stepHash(step);
  const dir = stageDir(step);
  const secrets = stepSecretInputs(step);
  for (const name of secrets) {
    if (!SECRET_NAME.test(name)) throw new Error(`step ${step.id}: ${JSON.stringify(name)} is not a secret name`);
  }
  const fileLines = step.files.map((f) => {
    const source = f.secret !== undefined ? `"$secrets"/${shq(secretInputName(f))}` : `"$stage"/${shq(`files${f.path}`)}`;
    return `  ${shq(f.path)} ${source} ${shq(f.mode)} ${shq(f.owner)}`;
  });
  const block = (name: string, body: string | undefined) =>
    body === undefined ? `${name}() { :; }` : `${name}() {\n${body.trimEnd()}\n}`;
  return `#!/bin/bash
# vigil step ${step.id} (${hash}): ${step.description.replace(/\n/g, " ")}
set -euo pipefail
umask 022
export LC_ALL=C DEBIAN_FRONTEND=noninteractive
stage=${shq(dir)}
state=${shq(`${VIGIL_LIB}/state/${step.id}.hash`)}
hash=${hash}
mkdir -p ${VIGIL_LIB}/state
exec 9>${VIGIL_LIB}/apply.lock
flock 9

# Secrets stay in RAM (/run is a tmpfs), backups next to nothing else.
secrets=$(mktemp -d -p /run)
backup=$(mktemp -d)
trap 'rm -rf "$secrets" "$backup"' EXIT
${
  secrets.length > 0
    ? `# Secret values arrive on stdin as "NAME BASE64" lines; they only ever touch 0600 files.
while read -r name value; do
  [ -n "$name" ] || continue
  [[ "$name" =~ ^[A-Za-z][A-Za-z0-9_]*$ ]] || { echo "vigil-step: refusing a secret name that is not [A-Za-z][A-Za-z0-9_]*" >&2; exit 1; }
  printf '%s' "$value" | base64 -d > "$secrets/$name"
done
for name in ${secrets.map(shq).join(" ")}; do
  [ -f "$secrets/$name" ] || { echo "vigil-step: secret $name was not provided" >&2; exit 1; }
done`
    : "# This step needs no secrets."
}

# target, source, mode, owner
files=(
${fileLines.join("\n")}
)

probe() {
${step.probe === undefined ? "  return 0" : step.probe.trimEnd()}
}
${block("validate_files", step.validate)}
${block("run_step", step.run)}
${block("reload_step", step.reload)}

differs() { # target source mode owner
  [ -e "$1" ] || return 0
  cmp -s "$1" "$2" || return 0
  [ "$(stat -c %a "$1")" = "$(printf %o "$((8#$3))")" ] || return 0
  [ "$(stat -c %U:%G "$1")" = "$4" ] || return 0
  return 1
}

changed=()
for ((i = 0; i < \${#files[@]}; i += 4)); do
  if differs "\${files[i]}" "\${files[i+1]}" "\${files[i+2]}" "\${files[i+3]}"; then changed+=("$i"); fi
done

if [ \${#changed[@]} -eq 0 ] && [ "$(cat "$state" 2>/dev/null || true)" = "$hash" ] && (probe) >/dev/null 2>&1; then
  echo "vigil-step: unchanged"
  exit 0
fi

restore() {
  for i in "\${changed[@]}"; do
    if [ -e "$backup/$i" ]; then mv -f "$backup/$i" "\${files[i]}"; else rm -f "\${files[i]}"; fi
  done
}

for i in "\${changed[@]}"; do
  target=\${files[i]}
  [ -e "$target" ] && cp -a "$target" "$backup/$i"
  owner=\${files[i+3]}
  install -D -m "\${files[i+2]}" -o "\${owner%%:*}" -g "\${owner##*:}" "\${files[i+1]}" "$target.vigil-new"
  mv -f "$target.vigil-new" "$target"
  echo "vigil-step: wrote $target"
done

# In a subshell with errexit on: every line of the check counts, and an exit in it cannot
# skip the restore below.
set +e
(set -e; validate_files)
valid=$?
set -e
if [ "$valid" -ne 0 ]; then
  restore
  echo "vigil-step: validation failed; the previous files are back in place" >&2
  exit 1
fi
run_step
reload_step
printf '%s\\n' "$hash" > "$state"
# Keep only this version's staging directory.
for old in ${VIGIL_LIB}/stage/${step.id}-*; do
  [[ "$old" =~ /${step.id}-[0-9a-f]{16}$ ]] && [ "$old" != "$stage" ] && rm -rf "$old"
done
echo "vigil-step: changed"
`;
}
