// Import circles are forbidden (GUIDE, STYLE): a circle makes module initialisation order
// matter, which is how provisioning/hub-role.ts once had to hide a constant in a function. dpdm
// reads the TypeScript sources (type-only imports count too: they are the first step of a real
// circle) and this test fails naming every circle it finds.
import { test } from "node:test";
import assert from "node:assert/strict";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { parseCircular, parseDependencyTree, type DependencyTree } from "dpdm";

const ROOT = fileURLToPath(new URL("../../", import.meta.url));

/** Every TypeScript module of the project: the program, the CLI, the agent, tests and benchmarks. */
const ENTRIES = ["index.ts", "bin/**/*.ts", "components/**/*.ts", "provisioning/**/*.ts", "policies/**/*.ts", "schema/**/*.ts", "agent/**/*.ts", "bench/**/*.ts", "test/**/*.ts"];

const treeOf = (cwd: string, entries: string[]): Promise<DependencyTree> =>
  parseDependencyTree(entries, { cwd, context: cwd, transform: false, skipDynamicImports: false, exclude: /\/node_modules\/|\/agent\/dist\//, tsconfig: undefined });

/** Modules `from` reaches through static imports, itself excluded. */
function reachable(tree: DependencyTree, from: string): Set<string> {
  const seen = new Set<string>();
  const visit = (id: string) => {
    for (const dep of tree[id] ?? []) {
      if (dep.id !== null && !seen.has(dep.id)) {
        seen.add(dep.id);
        visit(dep.id);
      }
    }
  };
  visit(from);
  return seen;
}

const tree = treeOf(ROOT, ENTRIES);

test("no import circle anywhere in the project", async () => {
  const circles = parseCircular(await tree);
  assert.deepEqual(
    circles.map((c) => `${c.join(" -> ")} -> ${c[0]}`),
    [],
    "import circles (break them: move the shared piece into a module both can import)",
  );
});

test("the plan model imports no role module", async () => {
  const deps = [...reachable(await tree, "provisioning/plan.ts")];
  assert.deepEqual(deps.filter((d) => /^provisioning\/(node|hub|rules)\//.test(d) || d === "provisioning/host-plan.ts"), []);
});

test("the check finds a circle when there is one", async () => {
  const dir = mkdtempSync(join(tmpdir(), "vigil-cycles-"));
  try {
    writeFileSync(join(dir, "a.ts"), `import { b } from "./b.ts";\nexport const a = () => b;\n`);
    writeFileSync(join(dir, "b.ts"), `import type { a } from "./a.ts";\nexport const b = 1 as unknown as typeof a;\n`);
    writeFileSync(join(dir, "c.ts"), `import { b } from "./b.ts";\nexport const c = b;\n`);
    const circles = parseCircular(await treeOf(dir, ["*.ts"]));
    assert.deepEqual(circles.map((c) => [...c].sort()), [["a.ts", "b.ts"]]);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
