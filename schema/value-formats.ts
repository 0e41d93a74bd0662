// The string formats of the spec that a regular expression cannot state exactly: URLs, host
// names, host:port, e-mail addresses. Each is a pure predicate; load-spec.ts registers them with
// ajv under the names the schema's `format` keywords use, so a bad value is reported like any
// other schema error (file:line:col path: message).
//
// These values end up in generated files (blackbox.yml, prometheus.yml, alertmanager.yml) and in
// DigitalOcean API calls. They are data there, never code, but they must also mean one thing to
// every reader: a URL that WHATWG's parser (Node's, blackbox's Go parser is stricter) accepts
// only after dropping a tab, or a host name with a `$(...)` in it, means different things to the
// spec reviewer and to the tool. So: only what RFC 3986 allows, and host names by RFC 1123.
import { isIP } from "node:net";

/** Characters RFC 3986 allows in a URI (unreserved, reserved, and %XX escapes). Nothing else. */
const RFC3986 = /^(?:[A-Za-z0-9\-._~:/?#[\]@!$&'()*+,;=]|%[0-9A-Fa-f]{2})*$/;

/** An RFC 1123 host name: dot-separated labels of letters, digits and inner dashes, 253 at most. */
const HOSTNAME = /^(?=.{1,253}$)([a-zA-Z0-9]([a-zA-Z0-9-]{0,61}[a-zA-Z0-9])?\.)*[a-zA-Z0-9]([a-zA-Z0-9-]{0,61}[a-zA-Z0-9])?$/;

/** An IPv4 or IPv6 address, or a host name. */
export const isHostOrAddress = (text: string): boolean => isIP(text) !== 0 || HOSTNAME.test(text);

/**
 * An http(s) URL: only RFC 3986 characters (no whitespace, control characters, quotes, braces,
 * backslashes), parsed by the WHATWG URL parser with scheme http or https (https only when
 * `httpsOnly`), a host name or IP address as host, and no `user:password@` (credentials in a
 * plain field would be a secret in plain text: use `{ secret: NAME }` where a field allows it).
 */
export function isHttpUrl(text: string, httpsOnly = false): boolean {
  if (!RFC3986.test(text)) return false;
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    return false;
  }
  if (url.protocol !== "https:" && (httpsOnly || url.protocol !== "http:")) return false;
  // The scheme must be spelled as given: WHATWG also accepts `https:host` and `https:\\host`.
  if (!text.toLowerCase().startsWith(`${url.protocol}//`)) return false;
  if (url.username !== "" || url.password !== "") return false;
  const host = url.hostname.startsWith("[") ? url.hostname.slice(1, -1) : url.hostname;
  return isHostOrAddress(host);
}

/** `host:port` (IPv6 as `[addr]:port`) with a port from 1 to 65535. */
export function isHostPort(text: string): boolean {
  const match = /^(\[[0-9A-Fa-f:.]+\]|[^:[\]]+):([0-9]{1,5})$/.exec(text);
  if (!match) return false;
  const host = match[1]!;
  const port = Number(match[2]);
  if (port < 1 || port > 65535) return false;
  return host.startsWith("[") ? isIP(host.slice(1, -1)) === 6 : isHostOrAddress(host) && isIP(host) !== 6;
}

/**
 * A plain RFC 5322 addr-spec: dot-atom local part and a host name. No display name, no quoted
 * local part, no comments, and none of `{ } | \``: Alertmanager reads its e-mail fields as Go
 * templates, where `{{` starts code.
 */
const LOCAL_PART = /^[A-Za-z0-9!#$%&'*+/=?^_~-]+(\.[A-Za-z0-9!#$%&'*+/=?^_~-]+)*$/;
export function isAddrSpec(text: string): boolean {
  const at = text.lastIndexOf("@");
  if (at <= 0 || text.length > 254) return false;
  const local = text.slice(0, at);
  const domain = text.slice(at + 1);
  return local.length <= 64 && LOCAL_PART.test(local) && HOSTNAME.test(domain) && domain.includes(".");
}

/** The formats the schema names, as ajv format validators. */
export const SPEC_FORMATS: Record<string, (text: string) => boolean> = {
  "http-url": (text) => isHttpUrl(text),
  "https-url": (text) => isHttpUrl(text, true),
  host: isHostOrAddress,
  "host-port": isHostPort,
  email: isAddrSpec,
};
