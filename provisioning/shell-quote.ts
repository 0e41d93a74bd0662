// The one shell quoting of the project. Every value that enters a bash line (a spec value, a
// path, a unit name) goes through `shq`: inside single quotes bash interprets nothing, and a
// single quote itself is written as '\'' (close, escaped quote, reopen). Plan steps, the
// step script and the SSH transport all use it, so there is one rule to review.

/** Single-quotes a string for bash (and any POSIX sh). */
export const shq = (s: string): string => `'${s.replace(/'/g, `'\\''`)}'`;
