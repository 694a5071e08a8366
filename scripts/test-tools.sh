#!/usr/bin/env bash
# Installs what the browser and HTML tests need and the package registries provide:
# Debian's Chromium with a small CJK font (screenshots without tofu), Java for the Nu HTML
# checker, and the npm packages vnu-jar and axe-core. Never `playwright install`.
set -euo pipefail
cd "$(dirname "$0")/.."

need_apt=()
command -v chromium >/dev/null 2>&1 || need_apt+=(chromium)
fc-list 2>/dev/null | grep -qi "wenquanyi\|noto sans cjk" || need_apt+=(fonts-wqy-microhei)
command -v java >/dev/null 2>&1 || need_apt+=(default-jre-headless)
if [ ${#need_apt[@]} -gt 0 ]; then
  if [ "$(id -u)" != 0 ]; then
    echo "missing ${need_apt[*]}: run as root or install them with apt-get" >&2
    exit 1
  fi
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${need_apt[@]}" >/dev/null
fi

if [ ! -f tools/node/node_modules/vnu-jar/build/dist/vnu.jar ] || \
   [ ! -f tools/node/node_modules/axe-core/axe.min.js ]; then
  mkdir -p tools/node
  npm install --silent --no-audit --no-fund --prefix tools/node vnu-jar@26 axe-core@4 >/dev/null
fi
