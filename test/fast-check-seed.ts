// Loaded before every test file by test/run.sh (node --import): one fast-check seed for the
// whole of `npm test`, so that a CI run draws the same cases each time and fails only on a
// change. Generated cases that compare vigil with a real tool (promtool, mtail) do find new
// disagreements now and then ("[:\pL[:]*\!" failed a CI run once): they are looked for on purpose,
// with many seeds (VIGIL_FC_SEED=random, see the README), not by chance in the gate.
// VIGIL_FC_SEED=<n> replays a seed; a file run alone, without this preload, draws a new one.
import fc from "fast-check";

const DEFAULT_SEED = 20261203;

const asked = process.env.VIGIL_FC_SEED;
const seed = asked === "random" ? (Math.random() * 2 ** 31) | 0 : asked ? Number(asked) : DEFAULT_SEED;
if (!Number.isInteger(seed)) throw new Error(`VIGIL_FC_SEED=${asked}: a whole number or "random"`);
if (asked === "random") process.stderr.write(`fast-check seed ${seed} (VIGIL_FC_SEED=${seed} replays it)\n`);
fc.configureGlobal({ ...fc.readConfigureGlobal(), seed });
