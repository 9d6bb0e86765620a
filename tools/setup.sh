#!/usr/bin/env bash
# `npm run setup`: everything the tests need on a fresh Debian machine.
# npm packages from the lockfile, then the OS packages the tests start
# (installed with apt-get only when missing, so a second run is quick).
set -euo pipefail
cd "$(dirname "$0")/.."

npm ci --no-audit --no-fund

# command → Debian package that provides it
declare -A OS_PACKAGES=(
  [redis-server]=redis-server
  [redis-cli]=redis-tools   # a test empties a registry with FLUSHALL
  [chromium]=chromium
  [ffmpeg]=ffmpeg   # ffmpeg and ffprobe: decoder-error and HLS checks of what players get
  [mpv]=mpv         # watch --mpv, played headless
  [tc]=iproute2     # ip and tc: the shaped swarm's network namespaces and capped uplinks (root)
  [nft]=nftables    # the NAT swarm's home routers masquerade with nftables (root)
)
missing=()
for command in "${!OS_PACKAGES[@]}"; do
  command -v "$command" >/dev/null 2>&1 || missing+=("${OS_PACKAGES[$command]}")
done
if ((${#missing[@]})); then
  sudo=""
  [ "$(id -u)" = 0 ] || sudo="sudo"
  echo "setup: installing ${missing[*]} with apt-get"
  $sudo apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends "${missing[@]}"
fi
echo "setup: done"
