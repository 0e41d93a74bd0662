// Argument parsing for every `vigil` command: node:util's parseArgs (strict), with its errors
// turned into the one-line messages the commands print (`vigil check: unknown option --x`),
// followed by the command's usage.
import { parseArgs, type ParseArgsConfig } from "node:util";

type Options = NonNullable<ParseArgsConfig["options"]>;

/** Parsed arguments, or the message to print (exit 1). */
export function parseCommandArgs<O extends Options>(
  command: string,
  usage: string,
  argv: string[],
  options: O,
): { values: ReturnType<typeof parseArgs<{ args: string[]; options: O; allowPositionals: true; strict: true }>>["values"]; positionals: string[] } | { error: string } {
  try {
    const { values, positionals } = parseArgs({ args: argv, options, allowPositionals: true, strict: true });
    return { values, positionals };
  } catch (err) {
    const e = err as Error & { code?: string };
    const unknown = /Unknown option '([^']+)'/.exec(e.message);
    const message = e.code === "ERR_PARSE_ARGS_UNKNOWN_OPTION" && unknown ? `unknown option ${unknown[1]}` : e.message;
    return { error: `vigil ${command}: ${message}\n${usage}` };
  }
}
