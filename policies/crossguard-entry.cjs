// The Pulumi CLI loads a Node.js policy pack with require() (through @pulumi/pulumi's
// cmd/run-policy-pack, which only knows CommonJS and ts-node). vigil is ESM TypeScript run by
// tsx, so this CommonJS entry registers tsx's ESM loader and imports the real entry, index.ts.
// (tsx/esm/api must be import()ed: its require() build fails to find its own files.)
// run-policy-pack awaits the exported promise; the analyzer server then keeps the process alive.
module.exports = import("tsx/esm/api").then((tsx) => {
  tsx.register();
  return import("./index.ts");
});
