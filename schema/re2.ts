// Whether a regex is RE2 as Go 1.19's regexp reads it: the one check for every regex a spec gives
// to a Go program. Debian 12 builds both readers with Go 1.19.8: mtail (log counts,
// log-checks.ts) and Prometheus (regex label matchers in user PromQL, promql.ts).
//
// re2js, a port of RE2, parses the same syntax and has Go's limits (nesting depth 1000, repeat
// counts 1000), so a bad regex is refused here with its position. Where re2js takes more than
// Go 1.19 does, the difference is checked by hand (each found by comparing with promtool and
// mtail --compile_only; test/hub-role/promql-promtool.test.ts):
// - (?<name>...): Go's regexp takes it only from Go 1.22; before, (?P<name>...) only;
// - \p{...} classes: re2js has Unicode 16's scripts, the Cn and LC categories, binary
//   properties (\p{Emoji}) and the aliases Ascii, Assigned and Lc; Go 1.19 has Unicode 13's
//   scripts, the general categories without Cn and LC, and Any.
// re2js is stricter in two places: it refuses two groups of the same name, and a regex of over
// 1,398,101 instructions (a size limit later Go versions have); promtool 2.42 takes both. The
// reader on the host (mtail --compile_only, promtool check rules) stays the final word.
// Called by validation only: neither caller is in the agent bundle's reach of re2js.
import { RE2JS } from "re2js";

/** The program that will compile the regex, named in the messages that concern it. */
export type RegexReader = "mtail" | "Prometheus";

const POSSESSIVE: Record<RegexReader, string> = { mtail: "mtail's", Prometheus: "Prometheus'" };

// Marked pure, and a literal list: promql.ts, and so this module, is among the agent bundle's
// imports (through cross-checks.ts), and esbuild drops only unused code without side effects.
/**
 * The \p{Name} classes Go 1.19 knows: Any, the general categories of its unicode package, and the
 * scripts of Unicode 13.0.0 (unicode.Categories and unicode.Scripts). Every name re2js takes was
 * tried with promtool 2.42: it refused exactly the names re2js knows and this list lacks.
 */
const GO_1_19_UNICODE_CLASSES = /* @__PURE__ */ new Set([
  "Any",
  // General categories (no Cn, no LC).
  "C", "Cc", "Cf", "Co", "Cs", "L", "Ll", "Lm", "Lo", "Lt", "Lu", "M", "Mc", "Me", "Mn", "N", "Nd", "Nl",
  "No", "P", "Pc", "Pd", "Pe", "Pf", "Pi", "Po", "Ps", "S", "Sc", "Sk", "Sm", "So", "Z", "Zl", "Zp", "Zs",
  // Scripts of Unicode 13.0.0.
  "Adlam", "Ahom", "Anatolian_Hieroglyphs", "Arabic", "Armenian", "Avestan", "Balinese", "Bamum", "Bassa_Vah",
  "Batak", "Bengali", "Bhaiksuki", "Bopomofo", "Brahmi", "Braille", "Buginese", "Buhid", "Canadian_Aboriginal",
  "Carian", "Caucasian_Albanian", "Chakma", "Cham", "Cherokee", "Chorasmian", "Common", "Coptic", "Cuneiform",
  "Cypriot", "Cyrillic", "Deseret", "Devanagari", "Dives_Akuru", "Dogra", "Duployan", "Egyptian_Hieroglyphs",
  "Elbasan", "Elymaic", "Ethiopic", "Georgian", "Glagolitic", "Gothic", "Grantha", "Greek", "Gujarati",
  "Gunjala_Gondi", "Gurmukhi", "Han", "Hangul", "Hanifi_Rohingya", "Hanunoo", "Hatran", "Hebrew", "Hiragana",
  "Imperial_Aramaic", "Inherited", "Inscriptional_Pahlavi", "Inscriptional_Parthian", "Javanese", "Kaithi",
  "Kannada", "Katakana", "Kayah_Li", "Kharoshthi", "Khitan_Small_Script", "Khmer", "Khojki", "Khudawadi",
  "Lao", "Latin", "Lepcha", "Limbu", "Linear_A", "Linear_B", "Lisu", "Lycian", "Lydian", "Mahajani", "Makasar",
  "Malayalam", "Mandaic", "Manichaean", "Marchen", "Masaram_Gondi", "Medefaidrin", "Meetei_Mayek",
  "Mende_Kikakui", "Meroitic_Cursive", "Meroitic_Hieroglyphs", "Miao", "Modi", "Mongolian", "Mro", "Multani",
  "Myanmar", "Nabataean", "Nandinagari", "New_Tai_Lue", "Newa", "Nko", "Nushu", "Nyiakeng_Puachue_Hmong",
  "Ogham", "Ol_Chiki", "Old_Hungarian", "Old_Italic", "Old_North_Arabian", "Old_Permic", "Old_Persian",
  "Old_Sogdian", "Old_South_Arabian", "Old_Turkic", "Oriya", "Osage", "Osmanya", "Pahawh_Hmong", "Palmyrene",
  "Pau_Cin_Hau", "Phags_Pa", "Phoenician", "Psalter_Pahlavi", "Rejang", "Runic", "Samaritan", "Saurashtra",
  "Sharada", "Shavian", "Siddham", "SignWriting", "Sinhala", "Sogdian", "Sora_Sompeng", "Soyombo", "Sundanese",
  "Syloti_Nagri", "Syriac", "Tagalog", "Tagbanwa", "Tai_Le", "Tai_Tham", "Tai_Viet", "Takri", "Tamil",
  "Tangut", "Telugu", "Thaana", "Thai", "Tibetan", "Tifinagh", "Tirhuta", "Ugaritic", "Vai", "Wancho",
  "Warang_Citi", "Yezidi", "Yi", "Zanabazar_Square",
]);

/** Why `reader` (built with Go 1.19) refuses `regex`, and where; undefined when it compiles. */
export function re2Error(regex: string, reader: RegexReader): { offset: number; message: string } | undefined {
  // Named here rather than by re2js ("invalid or unsupported Perl syntax"), with their position.
  for (const m of regex.matchAll(/\(\?<?[=!]/g)) {
    if (!isEscaped(regex, m.index)) return { offset: m.index, message: `lookahead and lookbehind are not RE2: ${reader} cannot run them` };
  }
  for (const m of regex.matchAll(/\(\?<(?![=!])/g)) {
    if (!isEscaped(regex, m.index)) return { offset: m.index, message: `named groups are written (?P<name>...) in ${POSSESSIVE[reader]} RE2 (Go 1.19)` };
  }
  try {
    RE2JS.compile(regex);
  } catch (err) {
    const e = err as { error?: string; input?: string; message?: string };
    const at = e.error === "missing closing )" ? unclosedParen(regex) : e.input ? regex.indexOf(e.input) : -1;
    const what = e.error ?? String(e.message ?? err).replace(/^error parsing regexp: /, "");
    const where = e.input && e.input !== regex ? ` at "${e.input}"` : "";
    return { offset: at >= 0 ? at : regex.length, message: `not a valid RE2 regex: ${what}${where}` };
  }
  return unicodeClassError(regex, reader);
}

/**
 * The first \p{Name}, \P{Name} or \pN class of a regex re2js compiled whose name Go 1.19 lacks.
 * Escapes are read past, and \Q...\E quotes text (it cannot stand inside a [...] class).
 */
function unicodeClassError(regex: string, reader: RegexReader): { offset: number; message: string } | undefined {
  for (let i = 0; i < regex.length; i++) {
    if (regex[i] !== "\\") continue;
    const escaped = regex[i + 1];
    if (escaped === "Q") {
      const end = regex.indexOf("\\E", i + 2);
      if (end === -1) return undefined;
      i = end + 1;
      continue;
    }
    if (escaped === "p" || escaped === "P") {
      const braced = regex[i + 2] === "{";
      const name = braced ? regex.slice(i + 3, regex.indexOf("}", i + 3)).replace(/^\^/, "") : regex[i + 2]!;
      if (!GO_1_19_UNICODE_CLASSES.has(name)) {
        return { offset: i, message: `${POSSESSIVE[reader]} RE2 (Go 1.19) has no class \\p{${name}}: only Unicode 13's scripts, the general categories but Cn and LC, and Any` };
      }
    }
    i++;
  }
  return undefined;
}

/** Where the first `(` that is never closed is (escapes and character classes skipped); -1 if none. */
function unclosedParen(regex: string): number {
  const open: number[] = [];
  let inClass = false;
  for (let i = 0; i < regex.length; i++) {
    const c = regex[i];
    if (c === "\\") i++;
    else if (inClass) inClass = c !== "]";
    else if (c === "[") {
      inClass = true;
      // RE2 reads a ] right after [ or [^ as a literal, not as the end of the class.
      if (regex[i + 1] === "^") i++;
      if (regex[i + 1] === "]") i++;
    }
    else if (c === "(") open.push(i);
    else if (c === ")") open.pop();
  }
  return open[0] ?? -1;
}

/** Whether the character at `i` follows an odd number of backslashes. */
function isEscaped(text: string, i: number): boolean {
  let n = 0;
  for (let k = i - 1; k >= 0 && text[k] === "\\"; k--) n++;
  return n % 2 === 1;
}
