// The spec's string formats (schema/value-formats.ts) at their edges: what each accepts and
// refuses, one reason per case. These values end up in blackbox.yml, prometheus.yml,
// alertmanager.yml and DigitalOcean API calls, so each must mean one thing to every reader.
import { test } from "node:test";
import assert from "node:assert/strict";
import { isAddrSpec, isHostOrAddress, isHostPort, isHttpUrl, SPEC_FORMATS } from "../../schema/value-formats.ts";

const accepts = (f: (t: string) => boolean, ...texts: string[]) => {
  for (const t of texts) assert.equal(f(t), true, `refused ${JSON.stringify(t)}`);
};
const refuses = (f: (t: string) => boolean, ...texts: string[]) => {
  for (const t of texts) assert.equal(f(t), false, `accepted ${JSON.stringify(t)}`);
};

test("hosts: IPv4, IPv6 and RFC 1123 names", () => {
  accepts(isHostOrAddress, "203.0.113.5", "2001:db8::1", "::1", "db.example.com", "a", "x-1.example");
  refuses(isHostOrAddress, "", "-a.example.com", "a_b.example.com", "a..b", "$(reboot)", "a b", `${"a".repeat(64)}.example.com`);
});

test("http(s) URLs: RFC 3986 characters, http or https spelled out, a host, no credentials", () => {
  accepts(isHttpUrl, "https://api.example.com/health", "http://10.0.0.5:8080/", "HTTPS://api.example.com/", "http://[::1]:9090/metrics", "https://203.0.113.5/");
  refuses(
    isHttpUrl,
    "https://api.example.com/a b", // a space
    "http://", // no host: WHATWG refuses it
    "ftp://files.example.com/", // another scheme
    "https:api.example.com/", // WHATWG reads it as https://api.example.com/
    "https:/api.example.com/",
    "https://user@api.example.com/", // a user name alone
    "https://:secret@api.example.com/", // a password alone
    "https://user:secret@api.example.com/",
    "https://exa_mple.com/", // WHATWG takes the _, RFC 1123 does not
    "http://[fe80::1%25eth0]/",
  );
  // httpsOnly (the https-url format): http is refused, other schemes still are.
  assert.equal(isHttpUrl("http://api.example.com/", true), false);
  assert.equal(isHttpUrl("https://api.example.com/", true), true);
  assert.equal(isHttpUrl("ftp://api.example.com/", true), false);
  assert.equal(SPEC_FORMATS["https-url"]!("http://api.example.com/"), false);
  assert.equal(SPEC_FORMATS["http-url"]!("http://api.example.com/"), true);
});

test("host:port: a name or IPv4 address, IPv6 in brackets, a port from 1 to 65535, nothing around it", () => {
  accepts(isHostPort, "db.example.com:5432", "10.0.0.5:1", "10.0.0.5:65535", "[::1]:9100", "[2001:db8::1]:443");
  refuses(
    isHostPort,
    "db.example.com", // no port
    "db.example.com:0",
    "db.example.com:65536",
    "db.example.com:80x",
    "x db.example.com:80",
    "2001:db8::1:80", // IPv6 without brackets
    "[10.0.0.5]:80", // brackets hold IPv6 only
    "[::1:80",
    "[]:80",
    "[zz]:80",
    "a_b:80",
  );
});

test("e-mail: a dot-atom local part of at most 64 characters, a dotted host name, 254 characters in all", () => {
  const local64 = "a".repeat(64);
  accepts(isAddrSpec, "ops@example.com", "first.last+tag@mail.example.com", `${local64}@example.com`);
  // 254 characters exactly is the longest address SMTP carries.
  const longest = `${local64}@${"d".repeat(60)}.${"e".repeat(60)}.${"f".repeat(63)}.com`;
  assert.equal(longest.length, 254);
  accepts(isAddrSpec, longest);
  refuses(
    isAddrSpec,
    `${local64}@${"d".repeat(61)}.${"e".repeat(60)}.${"f".repeat(63)}.com`, // 255 characters
    `${"a".repeat(65)}@example.com`,
    "@example.com",
    "ops@localhost", // a host name without a dot
    "ops@@example.com",
    "ops.@example.com",
    "Ops <ops@example.com>",
    "{{ .x }}@example.com",
    "ops",
    "ops.example.com", // no @ at all
  );
});
