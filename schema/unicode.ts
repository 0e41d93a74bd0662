// Well-formed Unicode in JavaScript strings. A spec is read from YAML, whose "\ud800" escape
// gives a string with half of a UTF-16 surrogate pair: no character, and text no other tool
// (YAML, Go, PromQL) can carry. Its one home: cross-checks.ts refuses it in any spec string,
// promql.ts locates it inside a query.

/** A UTF-16 surrogate without its pair (a high one not followed by a low one, or a low one alone). */
export const LONE_SURROGATE = /[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/;
