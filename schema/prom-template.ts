// Prometheus expands alerting rules' annotations AND label values as Go templates
// (text/template, with Prometheus' own functions). A spec's rule text therefore goes through this
// check at `vigil validate`: an unclosed `{{`, an empty action or a function Prometheus does not
// have would otherwise pass validation and only be refused by `promtool check config` on the host.
// The check is a whitelist of what rule templates need, not a Go template parser: every action is
// a pipeline of words vigil knows (the alert's labels and value, literals, Prometheus' formatting
// functions), so nothing a spec writes in an action can reach other template features.

/**
 * Prometheus' template functions (prometheus/template/template.go) a spec may use: the formatting
 * ones. query, tmpl, externalURL and the like reach beyond the alert's own data.
 */
const ALLOWED = new Set<string>([
  "humanize", "humanize1024", "humanizeDuration", "humanizePercentage", "humanizeTimestamp",
  "title", "toUpper", "toLower", "printf", "reReplaceAll", "stripPort", "stripDomain",
]);

/** One word of an action: a variable path, a field path, a string or number literal, or an allowed function. */
const WORD = /^(\$labels\.[a-zA-Z_][a-zA-Z0-9_]*|\$externalLabels\.[a-zA-Z_][a-zA-Z0-9_]*|\$value|\$labels|\.Labels\.[a-zA-Z_][a-zA-Z0-9_]*|\.Value|"[^"\\]*"|`[^`]*`|-?[0-9]+(\.[0-9]+)?|[a-zA-Z][a-zA-Z0-9]*)$/;

/** Where the action starting at `from` ends (its `}}`), skipping string literals; -1 when it does not. */
function actionEnd(text: string, from: number): number {
  for (let i = from; i < text.length; i++) {
    const c = text[i];
    if (c === '"' || c === "`") {
      const end = text.indexOf(c, i + 1);
      if (end < 0) return -1;
      i = end;
    } else if (c === "}" && text[i + 1] === "}") {
      return i;
    }
  }
  return -1;
}

/**
 * Why `text` is not a rule template vigil accepts, or undefined when it is. `{{ }}` actions hold
 * a pipeline: words separated by spaces and `|`, with `{{-`/`-}}` trim markers allowed.
 */
export function templateError(text: string): string | undefined {
  let rest = text;
  for (;;) {
    const open = rest.indexOf("{{");
    if (open < 0) return undefined;
    const close = actionEnd(rest, open + 2);
    if (close < 0) return `unclosed template action "{{" (write {{ "{{" }} for literal braces)`;
    let action = rest.slice(open + 2, close);
    if (action.startsWith("-")) action = action.slice(1);
    if (action.endsWith("-")) action = action.slice(0, -1);
    if (action.includes("{{")) return `template action "{{${rest.slice(open + 2, close)}}}" holds "{{"`;
    // Words and the pipes between commands; a | inside a string literal (reReplaceAll "a|b") is text.
    const commands: string[][] = [[]];
    for (const token of action.match(/"[^"\\]*"|`[^`]*`|\||[^\s|]+/g) ?? []) {
      if (token === "|") commands.push([]);
      else commands[commands.length - 1]!.push(token);
    }
    if (commands.some((words) => words.length === 0)) return `empty template action or command in "{{${rest.slice(open + 2, close)}}}"`;
    for (const words of commands) {
      for (const word of words) {
        if (!WORD.test(word)) return `template action "{{${rest.slice(open + 2, close)}}}": "${word}" is not a label, $value, a literal or a function`;
        if (/^[a-zA-Z]/.test(word) && !ALLOWED.has(word)) {
          return `template action "{{${rest.slice(open + 2, close)}}}": "${word}" is not one of the template functions vigil allows (${[...ALLOWED].join(", ")})`;
        }
      }
    }
    rest = rest.slice(close + 2);
  }
}
