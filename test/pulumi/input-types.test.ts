// Every input vigil gives a DigitalOcean resource has the type the installed @pulumi/digitalocean
// declares for it: the planned graph of each example stack is walked against the `<Resource>Args`
// interfaces of the package's own .d.ts files (parsed with the TypeScript compiler), nested input
// types included. On top, the inputs the DigitalOcean API takes as integers (its reference; the
// SDK declares them `number`) must be whole numbers, which the spec schema guarantees at
// validate time (uptime[].latencyMs and sslExpiryDays are integers).
import { test } from "node:test";
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { createRequire } from "node:module";
import { dirname, join } from "node:path";
import fc from "fast-check";
import ts from "typescript";
import { previewCloudResources } from "../../components/cloud-preview.ts";
import { DO_INTEGER_INPUTS } from "../../components/uptime-monitors.ts";
import { SPEC_FILES, T, loadEdited, loadSpec, ofType } from "./helpers.ts";

const packageDir = dirname(createRequire(import.meta.url).resolve("@pulumi/digitalocean/package.json"));
const parsed = new Map<string, ts.SourceFile>();
function sourceOf(file: string): ts.SourceFile {
  if (!parsed.has(file)) parsed.set(file, ts.createSourceFile(file, readFileSync(join(packageDir, file), "utf8"), ts.ScriptTarget.Latest, true));
  return parsed.get(file)!;
}
function findInterface(file: string, name: string): ts.InterfaceDeclaration {
  const found = sourceOf(file).statements.find((s): s is ts.InterfaceDeclaration => ts.isInterfaceDeclaration(s) && s.name.text === name);
  if (!found) throw new Error(`@pulumi/digitalocean ${file} declares no interface ${name}`);
  return found;
}

/** `digitalocean:index/uptimeAlert:UptimeAlert` → the UptimeAlertArgs interface of uptimeAlert.d.ts. */
const argsOf = (type: string) => {
  const [, module, cls] = /^digitalocean:index\/([A-Za-z]+):([A-Za-z]+)$/.exec(type)!;
  return findInterface(`${module}.d.ts`, `${cls}Args`);
};

const isSecret = (v: unknown): v is { "[secret]": unknown } => typeof v === "object" && v !== null && "[secret]" in v;

/** Problems of `value` against the declared type node, with the path to each. */
function check(value: unknown, type: ts.TypeNode, path: string): string[] {
  if (isSecret(value)) return check(value["[secret]"], type, path);
  if (ts.isParenthesizedTypeNode(type)) return check(value, type.type, path);
  if (ts.isUnionTypeNode(type)) {
    const results = type.types.filter((t) => t.kind !== ts.SyntaxKind.UndefinedKeyword).map((t) => check(value, t, path));
    return results.some((r) => r.length === 0) ? [] : results.flat();
  }
  if (ts.isArrayTypeNode(type)) {
    if (!Array.isArray(value)) return [`${path}: expected an array, got ${JSON.stringify(value)}`];
    return value.flatMap((v, i) => check(v, type.elementType, `${path}[${i}]`));
  }
  if (ts.isTypeReferenceNode(type)) {
    const name = type.typeName.getText(sourceOfNode(type));
    if (name === "pulumi.Input") return check(value, type.typeArguments![0]!, path);
    if (name.startsWith("enums.")) return typeof value === "string" ? [] : [`${path}: expected an enum string, got ${JSON.stringify(value)}`];
    if (name.startsWith("inputs.")) return checkObject(value, findInterface("types/input.d.ts", name.slice("inputs.".length)), path);
    return [`${path}: type ${name} is not understood by this test`];
  }
  switch (type.kind) {
    case ts.SyntaxKind.StringKeyword:
      return typeof value === "string" ? [] : [`${path}: expected a string, got ${JSON.stringify(value)}`];
    case ts.SyntaxKind.NumberKeyword:
      return typeof value === "number" && Number.isFinite(value) ? [] : [`${path}: expected a number, got ${JSON.stringify(value)}`];
    case ts.SyntaxKind.BooleanKeyword:
      return typeof value === "boolean" ? [] : [`${path}: expected a boolean, got ${JSON.stringify(value)}`];
    case ts.SyntaxKind.AnyKeyword:
      return [];
    default:
      return [`${path}: type ${ts.SyntaxKind[type.kind]} is not understood by this test`];
  }
}
const sourceOfNode = (node: ts.Node): ts.SourceFile => node.getSourceFile();

function checkObject(value: unknown, decl: ts.InterfaceDeclaration, path: string): string[] {
  if (typeof value !== "object" || value === null || Array.isArray(value)) return [`${path}: expected an object, got ${JSON.stringify(value)}`];
  const members = new Map(decl.members.filter(ts.isPropertySignature).map((m) => [m.name.getText(sourceOfNode(m)), m]));
  const out: string[] = [];
  for (const [key, v] of Object.entries(value)) {
    const member = members.get(key);
    if (!member) out.push(`${path}.${key}: ${decl.name.text} declares no such input`);
    else if (v !== undefined) out.push(...check(v, member.type!, `${path}.${key}`));
  }
  for (const [key, member] of members) {
    if (!member.questionToken && (value as Record<string, unknown>)[key] === undefined) out.push(`${path}.${key}: required by ${decl.name.text}, missing`);
  }
  return out;
}

for (const [label, file] of Object.entries(SPEC_FILES)) {
  test(`${label}: every DigitalOcean input has the type @pulumi/digitalocean declares`, async () => {
    const rs = await previewCloudResources(loadSpec(file), { revealSecrets: true });
    const digitalocean = rs.filter((r) => r.type.startsWith("digitalocean:"));
    assert.ok(digitalocean.length > 5);
    const problems = digitalocean.flatMap((r) => checkObject(r.inputs, argsOf(r.type), `${r.name}`));
    assert.deepEqual(problems, []);
    for (const [type, fields] of Object.entries(DO_INTEGER_INPUTS)) {
      for (const r of ofType(rs, type)) {
        for (const field of fields) {
          const v = r.inputs[field];
          if (v !== undefined) assert.ok(Number.isInteger(v), `${r.name}.${field} = ${String(v)}: the DigitalOcean API takes an integer`);
        }
      }
    }
  });
}

test("the walk catches a wrong type: a string where a number is declared, an undeclared input, a missing required one", () => {
  const alert = argsOf(T.uptimeAlert);
  const notifications = alert.members.filter(ts.isPropertySignature).find((m) => m.name.getText(sourceOfNode(m)) === "notifications")!;
  assert.deepEqual(check({ "[secret]": [{ emails: ["a@b.c"], slacks: [{ channel: "#x", url: "https://h/" }] }] }, notifications.type!, "n"), []);
  const problems = checkObject({ checkId: "1", type: "latency", threshold: "500", notifications: [{ emails: "a@b.c" }], bogus: 1 }, alert, "a");
  assert.deepEqual(problems.sort(), [
    "a.bogus: UptimeAlertArgs declares no such input",
    "a.notifications[0].emails: expected an array, got \"a@b.c\"",
    "a.threshold: expected a number, got \"500\"",
  ]);
  assert.deepEqual(checkObject({}, findInterface("types/input.d.ts", "UptimeAlertNotificationSlack"), "s").sort(), [
    "s.channel: required by UptimeAlertNotificationSlack, missing",
    "s.url: required by UptimeAlertNotificationSlack, missing",
  ]);
});

test("a fractional latencyMs never reaches DigitalOcean: the spec refuses it, whole numbers plan as integer thresholds", async () => {
  assert.throws(() => loadEdited(SPEC_FILES.prod, "latencyMs: 500", "latencyMs: 499.5"), /uptime\[0\]\.latencyMs: must be an integer/);
  await fc.assert(
    fc.asyncProperty(fc.integer({ min: 1, max: 600_000 }), async (ms) => {
      const rs = await previewCloudResources(loadEdited(SPEC_FILES.prod, "latencyMs: 500", `latencyMs: ${ms}`));
      const latency = ofType(rs, T.uptimeAlert).find((a) => a.name === "dcg-prod-api-latency")!;
      assert.equal(latency.inputs.threshold, ms);
    }),
    { numRuns: 3 },
  );
});
