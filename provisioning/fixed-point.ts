// Numbers as config files want them: plain decimal digits, never JavaScript's exponent form.
// `String(1e21)` is "1e+21" and `String(1e-7)` is "1e-7": Netdata's expression parser reads
// neither as the number meant, and a reviewer of a rule file should not have to. The schema
// bounds every number that reaches a file, so the fixed-point text stays short.

/** `n` in fixed-point decimal notation: exactly the digits of JavaScript's shortest form, shifted. */
export function fixedPoint(n: number): string {
  if (!Number.isFinite(n)) throw new Error(`${n} is not a finite number`);
  const text = String(n);
  const m = /^(-?)(\d)(?:\.(\d+))?e([+-]\d+)$/.exec(text);
  if (!m) return text;
  const [, sign, lead, frac = "", exp] = m as unknown as [string, string, string, string | undefined, string];
  const digits = lead + frac;
  const point = 1 + Number(exp);
  if (point <= 0) return `${sign}0.${"0".repeat(-point)}${digits}`;
  if (point >= digits.length) return `${sign}${digits}${"0".repeat(point - digits.length)}`;
  return `${sign}${digits.slice(0, point)}.${digits.slice(point)}`;
}

/** A measured or configured quantity rounded to `precision` significant digits, in fixed point (0.1 + 0.2 → 0.3). */
export const roundedFixedPoint = (n: number, precision: number): string => fixedPoint(Number(n.toPrecision(precision)));
