#!/usr/bin/env bash
# Run the whole suite (or any command) on another Node.js line, in one command:
#
#   scripts/test-on-node.sh 26                      # npm test on the newest Node.js 26 (also: npm run test:node -- 26)
#   scripts/test-on-node.sh 22.12.0                 # an exact version
#   scripts/test-on-node.sh 24 node --import tsx --test test/e2e/kms-surface.test.ts
#
# 1. Installs the official binary of that line from the npm registry (package node-<os>-<arch>, the one
#    `npm install node@N` fetches) into a cache outside the checkout: ${XKS_NODE_CACHE:-~/.cache/xks-proxy/node}/<N>.
#    An installed line is reused; XKS_NODE_REFRESH=1 fetches the newest release of the line again.
# 2. Rebuilds every native addon in node_modules (each package with a binding.gyp: better-sqlite3, a PKCS#11
#    binding, ...) for that version's ABI from the headers the package ships: `npm rebuild --nodedir=<package>`.
#    The builds are kept in the cache per Node.js version and addon version, so the next run copies them instead.
# 3. Runs the command (default: npm test) with that node first on PATH, so npm, npx, tsx and every child process
#    the tests spawn use it.
# 4. Always (also on failure or Ctrl-C) puts back the addon builds the checkout had before (or, if it had none,
#    runs npm rebuild for the machine's node), so the checkout works as it did. Exits with the command's status.
set -euo pipefail
cd "$(dirname "$0")/.."

say() { echo "test-on-node: $*" >&2; }
usage() { echo "usage: scripts/test-on-node.sh <major|x.y.z> [command ...]   (default command: npm test)" >&2; exit 2; }
[ $# -ge 1 ] || usage
line=$1
shift
[[ $line =~ ^[0-9]+(\.[0-9]+\.[0-9]+)?$ ]] || usage
[ $# -ge 1 ] || set -- npm test
[ -d node_modules ] || { say "no node_modules: run npm ci first"; exit 2; }

case "$(uname -s)" in
  Linux) os=linux ;;
  Darwin) os=darwin ;;
  *) say "no Node.js package for $(uname -s)"; exit 2 ;;
esac
case "$(uname -m)" in
  x86_64 | amd64) arch=x64 ;;
  aarch64 | arm64) arch=arm64 ;;
  *) say "no Node.js package for $(uname -m)"; exit 2 ;;
esac
package=node-$os-$arch
cache_root=${XKS_NODE_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/xks-proxy/node}
cache=$cache_root/$line
nodedir=$cache/node_modules/$package

if [ ! -x "$nodedir/bin/node" ] || [ "${XKS_NODE_REFRESH:-}" = 1 ]; then
  say "installing $package@$line from the npm registry into $cache"
  rm -rf "$cache"
  mkdir -p "$cache"
  npm install --prefix "$cache" --no-save --no-package-lock --ignore-scripts --no-audit --no-fund --loglevel=error "$package@$line" >&2
fi
[ -f "$nodedir/include/node/node_version.h" ] || { say "$nodedir has no headers (include/node)"; exit 1; }
version=$("$nodedir/bin/node" --version)

# Native addons: node_modules/<pkg> or node_modules/@scope/<pkg> (at any depth) with a binding.gyp.
addons=()
while IFS= read -r gyp; do
  dir=${gyp%/binding.gyp}
  parent=${dir%/*}
  if [[ $parent == */node_modules || $parent == node_modules || ($parent == */node_modules/@* && $parent != */node_modules/@*/*) ]]; then
    addons+=("$dir")
  fi
done < <(find node_modules -name binding.gyp -not -path '*/test/*' | sort)
say "native addons: ${addons[*]:-none}"

# What the checkout has now, to put back at the end (no compiler run for the machine's node).
work=$(mktemp -d)
saved=()
for dir in "${addons[@]}"; do if [ -d "$dir/build" ]; then saved+=("$dir/build"); fi; done
[ ${#saved[@]} -eq 0 ] || tar -cf "$work/machine-builds.tar" "${saved[@]}"

restore() {
  status=$?
  trap - EXIT INT TERM
  if [ ${#addons[@]} -gt 0 ]; then
    for dir in "${addons[@]}"; do rm -rf "$dir/build"; done
    if [ ${#saved[@]} -eq ${#addons[@]} ] && tar -xf "$work/machine-builds.tar"; then
      say "native addons put back as they were (for $(node --version 2>/dev/null || echo 'the machine node'))"
    else
      say "rebuilding native addons for the machine's node ($(command -v node || echo none))"
      if ! npm rebuild --loglevel=error >&2; then
        say "restoring the native addons failed: run npm rebuild (or npm ci) before using this checkout"
        [ "$status" -ne 0 ] || status=1
      fi
    fi
  fi
  rm -rf "$work"
  exit "$status"
}
trap restore EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

# The cache key of an addon build: the target node's version, the package's path and version.
key() { printf '%s/addons/%s/%s@%s.tar' "$cache_root" "$version" "${1//\//+}" "$("$nodedir/bin/node" -p "require('./$1/package.json').version")"; }
missing=0
for dir in "${addons[@]}"; do if [ ! -f "$(key "$dir")" ]; then missing=1; fi; done
if [ ${#addons[@]} -gt 0 ] && [ $missing = 0 ]; then
  say "native addons for node $version from the cache ($cache_root/addons/$version)"
  for dir in "${addons[@]}"; do rm -rf "$dir/build" && tar -xf "$(key "$dir")"; done
elif [ ${#addons[@]} -gt 0 ]; then
  say "rebuilding native addons for node $version (npm rebuild --nodedir=$nodedir)"
  # The install scripts themselves (node-gyp, prebuild-install) run on the target node too, so nothing they decide
  # from process.version (a prebuilt binary's ABI) can pick the machine's.
  PATH="$nodedir/bin:$PATH" npm rebuild --nodedir="$nodedir" --loglevel=error >&2
  for dir in "${addons[@]}"; do
    mkdir -p "$(dirname "$(key "$dir")")"
    tar -cf "$(key "$dir").tmp" "$dir/build" && mv "$(key "$dir").tmp" "$(key "$dir")"
  done
fi

say "node $version ($nodedir/bin/node) first on PATH: $*"
PATH="$nodedir/bin:$PATH" XKS_TEST_NODE_VERSION="$version" "$@"
