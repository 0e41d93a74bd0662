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
// re2js is stricter in three places. A [ before ":]" in a class, with no ":]" further on, is a
// literal [ to Go and a bad POSIX class to re2js: it is retried as \[ (literalPosixBracket). It
// refuses two groups of the same name, and a regex of over 1,398,101 instructions (a size limit
// later Go versions have); promtool 2.42 takes both, vigil refuses them. The reader on the host
// (mtail --compile_only, promtool check rules) stays the final word.
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

/** Why `reader` (built with Go 1.19) refuses a regex, and where. */
export type Re2Problem = { offset: number; message: string };

/** Why `reader` (built with Go 1.19) refuses `regex`, and where; undefined when it compiles. */
export function re2Error(regex: string, reader: RegexReader): Re2Problem | undefined {
  return compileRe2(regex, reader).problem;
}

/**
 * `regex` compiled as `reader` (built with Go 1.19) would: re2js's program when the reader takes
 * it (to match with, without compiling it again), else why not and where.
 */
export function compileRe2(regex: string, reader: RegexReader): { compiled: RE2JS; problem?: undefined } | { compiled?: undefined; problem: Re2Problem } {
  const marks = syntaxMarks(regex);
  // Named here rather than by re2js ("invalid or unsupported Perl syntax"), with their position.
  for (const at of marks.groups) {
    if (/^\(\?<?[=!]/.test(regex.slice(at, at + 4))) return { problem: { offset: at, message: `lookahead and lookbehind are not RE2: ${reader} cannot run them` } };
    if (regex.startsWith("(?<", at)) return { problem: { offset: at, message: `named groups are written (?P<name>...) in ${POSSESSIVE[reader]} RE2 (Go 1.19)` } };
  }
  let compiled = compile(regex);
  if (!(compiled instanceof RE2JS)) {
    // re2js refused a POSIX class named "[:]" (see literalPosixBracket): try its [ as Go may read it.
    const bracket = compiled.input === "[:]" ? literalPosixBracket(regex) : -1;
    if (bracket < 0) return { problem: describe(regex, compiled, marks) };
    const literal = `${regex.slice(0, bracket)}\\${regex.slice(bracket)}`;
    compiled = compile(literal);
    if (!(compiled instanceof RE2JS)) {
      const found = describe(literal, compiled, syntaxMarks(literal));
      return { problem: { ...found, offset: found.offset > bracket ? found.offset - 1 : found.offset } };
    }
  }
  const problem = unicodeClassError(regex, marks, reader);
  return problem ? { problem } : { compiled };
}

type CompileProblem = { error?: string; input?: string; message?: string };

function compile(regex: string): RE2JS | CompileProblem {
  try {
    return RE2JS.compile(regex);
  } catch (err) {
    return err as CompileProblem;
  }
}

function describe(regex: string, e: CompileProblem, marks: SyntaxMarks): Re2Problem {
  const at = e.error === "missing closing )" ? (marks.unclosed[0] ?? -1) : e.input ? regex.indexOf(e.input) : -1;
  const what = e.error ?? String(e.message ?? e).replace(/^error parsing regexp: /, "");
  const where = e.input && e.input !== regex ? ` at "${e.input}"` : "";
  return { offset: at >= 0 ? at : regex.length, message: `not a valid RE2 regex: ${what}${where}` };
}

/** The first \p{Name}, \P{Name} or \pN class of a regex re2js compiled whose name Go 1.19 lacks. */
function unicodeClassError(regex: string, marks: SyntaxMarks, reader: RegexReader): Re2Problem | undefined {
  for (const at of marks.unicodeClasses) {
    const braced = regex[at + 2] === "{";
    const name = braced ? regex.slice(at + 3, regex.indexOf("}", at + 3)).replace(/^\^/, "") : regex[at + 2]!;
    if (!GO_1_19_UNICODE_CLASSES.has(name)) {
      return { offset: at, message: `${POSSESSIVE[reader]} RE2 (Go 1.19) has no class \\p{${name}}: only Unicode 13's scripts, the general categories but Cn and LC, and Any` };
    }
  }
  return undefined;
}

/** Where a regex has syntax, as Go's parser reads it: quoted and escaped characters have none. */
interface SyntaxMarks {
  /** Each ( that opens a group (not in a [...] class), in order. */
  groups: number[];
  /** Those of them never closed, in order. */
  unclosed: number[];
  /** Each \p or \P, in a class or not. */
  unicodeClasses: number[];
}

/**
 * One reading of a regex's characters as Go 1.19's regexp/syntax parser goes through them: \Q
 * quotes up to \E or the end (outside classes; inside one it is a bad escape); a backslash takes
 * the next character; in a [...] class, a ] first (after [ or [^) is a character, [: starts a
 * POSIX class name only when a :] follows from its third character on (parseNamedClass), and (
 * is a character. Lookarounds, named groups and Unicode classes are found here, not by a text
 * search, so that "[(?=]", "\Q(?<n>\E" and "\Q\p{Kawi}" are taken as Go takes them.
 */
function syntaxMarks(regex: string): SyntaxMarks {
  const marks: SyntaxMarks = { groups: [], unclosed: [], unicodeClasses: [] };
  let inClass = false;
  for (let i = 0; i < regex.length; i++) {
    const c = regex[i];
    if (c === "\\") {
      const escaped = regex[i + 1];
      if (escaped === "Q" && !inClass) {
        const end = regex.indexOf("\\E", i + 2);
        if (end === -1) break;
        i = end + 1;
        continue;
      }
      if (escaped === "p" || escaped === "P") marks.unicodeClasses.push(i);
      i++;
    } else if (inClass) {
      if (c === "]") inClass = false;
      else if (c === "[" && regex[i + 1] === ":") {
        const end = regex.indexOf(":]", i + 2);
        if (end !== -1) i = end + 1;
      }
    } else if (c === "[") {
      inClass = true;
      if (regex[i + 1] === "^") i++;
      if (regex[i + 1] === "]") i++;
    } else if (c === "(") {
      marks.groups.push(i);
      marks.unclosed.push(i);
    } else if (c === ")") marks.unclosed.pop();
  }
  return marks;
}

/**
 * The [ to read as a literal when re2js refused a POSIX class named "[:]", or -1 if Go refuses
 * too. Go's parseNamedClass looks for the closing ":]" of a "[:" in a class from its third
 * character on, re2js's from its second. On "[:]", re2js finds one at once and refuses the name;
 * Go looks further, and only when it finds none reads the [ as a character of the class ("[a[:]"
 * is the class of a, [ and :); otherwise it refuses a name starting "[:]" too. So Go can take
 * the regex only when its last ":]" closes a "[:]": that [ is the one. If re2js refused an
 * earlier "[:]", a ":]" follows that one, and the retry (which leaves it as it was) is refused
 * there again, as Go does.
 */
function literalPosixBracket(regex: string): number {
  const colon = regex.lastIndexOf(":]");
  return regex[colon - 1] === "[" ? colon - 1 : -1;
}
