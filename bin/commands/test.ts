// `vigil test <spec> [TESTS.yml...]`: the user's promtool unit tests against the rule files vigil
// generates from the spec, the way vigil tests its own alerts. Without TESTS files it runs
// stacks/<env>.tests.yml beside the spec (the convention), if there is one.
//
// Each test file is a promtool test file (`promtool test rules`), except:
// - `rule_files` names vigil's rule files by family (`custom.yml`, `host.yml`, ...); omitted, every
//   one of them is loaded;
// - `evaluation_interval` defaults to the spec's intervals.evaluation.
// Annotations are left out of the rules under test (promtool would otherwise demand every
// annotation in exp_annotations); `promtool check rules` checks the real files, templates included,
// first.
import { spawnSync } from "node:child_process";
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { basename, join } from "node:path";
import { parse, stringify } from "yaml";
import { loadSpecFile } from "../../schema/load-spec.ts";
import { formatErrors } from "../../schema/spec-errors.ts";
import type { Spec } from "../../schema/spec-schema.ts";
import { ruleFiles } from "../../provisioning/hub/prometheus.ts";
import { withoutAnnotations } from "../../provisioning/rules/rule-file.ts";
import { parseCommandArgs } from "../command-args.ts";

const USAGE = "usage: vigil test <spec> [TESTS.yml...]   (default: <spec dir>/<env>.tests.yml)";

/** The conventional test file of a spec: `stacks/prod.yaml` → `stacks/prod.tests.yml`. */
export const conventionalTestFile = (specFile: string): string => specFile.replace(/\.ya?ml$/, "") + ".tests.yml";

/**
 * The promtool test file vigil runs for a user's test file: `rule_files` mapped to the generated
 * files under `rules/`, evaluation_interval filled in. Returns an error message for a file that is
 * not a promtool test file or names a rule file vigil does not generate.
 */
export function promtoolTestFile(text: string, spec: Spec, families: string[]): { content: string } | { error: string } {
  let doc: unknown;
  try {
    doc = parse(text);
  } catch (err) {
    return { error: `not YAML: ${(err as Error).message.split("\n")[0]}` };
  }
  if (typeof doc !== "object" || doc === null || Array.isArray(doc) || !Array.isArray((doc as { tests?: unknown }).tests)) {
    return { error: "not a promtool test file (a mapping with a `tests:` list)" };
  }
  const file = doc as Record<string, unknown>;
  const names = file.rule_files === undefined ? families.map((f) => `${f}.yml`) : file.rule_files;
  if (!Array.isArray(names) || names.some((n) => typeof n !== "string")) return { error: "rule_files must be a list of names like custom.yml" };
  for (const name of names as string[]) {
    if (!families.map((f) => `${f}.yml`).includes(name)) {
      return { error: `rule_files: "${name}" is not a rule file vigil generates (${families.map((f) => `${f}.yml`).join(", ")})` };
    }
  }
  const out = { ...file, rule_files: (names as string[]).map((n) => `rules/${n}`), evaluation_interval: file.evaluation_interval ?? spec.intervals.evaluation };
  return { content: stringify(out) };
}

const promtool = (args: string[], cwd: string) => spawnSync("promtool", args, { cwd, encoding: "utf8", timeout: 600_000 });

export async function runTest(argv: string[]): Promise<number> {
  const parsed = parseCommandArgs("test", USAGE, argv, {});
  if ("error" in parsed) {
    console.error(parsed.error);
    return 1;
  }
  const [specFile, ...given] = parsed.positionals;
  if (specFile === undefined) {
    console.error(USAGE);
    return 1;
  }
  const loaded = loadSpecFile(specFile);
  if (!loaded.ok) {
    console.error(formatErrors(loaded.errors));
    return 1;
  }
  const { spec } = loaded;
  const conventional = conventionalTestFile(specFile);
  const testFiles = given.length > 0 ? given : existsSync(conventional) ? [conventional] : [];
  for (const f of testFiles) {
    if (!existsSync(f)) {
      console.error(`vigil test: ${f}: no such file`);
      return 1;
    }
  }
  const files = ruleFiles(spec);
  const families = files.map((f) => basename(f.path, ".yml"));
  const dir = mkdtempSync(join(tmpdir(), "vigil-test-"));
  try {
    mkdirSync(join(dir, "rules"));
    mkdirSync(join(dir, "checked"));
    for (const f of files) {
      writeFileSync(join(dir, "checked", basename(f.path)), f.content);
      writeFileSync(join(dir, "rules", basename(f.path)), withoutAnnotations(f.content));
    }
    const check = promtool(["check", "rules", ...files.map((f) => join("checked", basename(f.path)))], dir);
    if (check.error) {
      console.error(`vigil test: promtool could not run (${check.error.message}); install Debian's prometheus package`);
      return 1;
    }
    if (check.status !== 0) {
      console.error(`vigil test: the generated rule files fail promtool check rules:\n${check.stdout}${check.stderr}`);
      return 1;
    }
    console.log(`${specFile}: promtool check rules: ${files.length} rule files ok (${spec.rules.length} custom rule${spec.rules.length === 1 ? "" : "s"})`);
    if (testFiles.length === 0) {
      console.log(`${specFile}: no rule tests (${conventional} does not exist)`);
      return 0;
    }
    let failed = false;
    testFiles.forEach((testFile, i) => {
      const prepared = promtoolTestFile(readFileSync(testFile, "utf8"), spec, families);
      if ("error" in prepared) {
        console.error(`${testFile}: ${prepared.error}`);
        failed = true;
        return;
      }
      const name = `test-${i}-${basename(testFile)}`;
      writeFileSync(join(dir, name), prepared.content);
      const r = promtool(["test", "rules", name], dir);
      const output = `${r.stdout}${r.stderr}`.replaceAll(name, testFile).trimEnd();
      if (r.status === 0) console.log(`${testFile}: promtool test rules: ok`);
      else {
        failed = true;
        console.error(`${testFile}: promtool test rules failed:\n${output}`);
      }
    });
    return failed ? 1 : 0;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
