// The `database` label of a configured SQLite database. Its own module because the resident agent
// needs it at every collection while the spec checks it lives beside (cross-checks.ts, with the
// PromQL grammar and the rest) are only for validation, which the resident agent leaves to a child
// process (agent/src/main.ts).

/** The `database` label of a configured database: its name, else the file name without extension. */
export function databaseLabel(db: { path: string; name?: string }): string {
  return db.name ?? db.path.split("/").pop()!.replace(/\.[^.]*$/, "");
}
