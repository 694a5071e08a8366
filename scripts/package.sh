#!/usr/bin/env bash
# Package the function and its CloudFormation; no AWS credentials needed, only a region.
#
#   bash scripts/package.sh              # stage dev  -> infra/out/{sam.json,deployment.zip}
#   STAGE=prod bash scripts/package.sh   # stage prod -> infra/out/prod/...
#
# 1. vendor what the stream handler imports lazily into functions/vendor/ (gitignored):
#    the `publisher` package (the renderer; without its Pelican plugin, which the function never
#    imports; the local tools — command line, dev server, demo city, importer — are in wenzheng/
#    and never shipped), and
#    the theme and content/ as wenzheng_bundle/{theme,content} (config.json points
#    WENZHENG_THEME and WENZHENG_CONTENT at /var/task/wenzheng_bundle/...);
# 2. write the merge template from chalicelib/table.py (infra/make_resources.py);
# 3. `chalice package --merge-template` (downloads manylinux wheels of requirements.txt once
#    per change of the code or requirements; later runs reuse functions/.chalice/deployments);
# 4. the search indexer's Pagefind layer: the manylinux wheels of pagefind and its native
#    binary (pagefind_bin_extended, ~57 MB) unpacked into python/ of a zip whose entries keep
#    their Unix modes (the binary stays executable in /opt/python), built once per version
#    into infra/out/layers/ and linked next to sam.json as pagefind-layer.zip (the template's
#    Content, infra/make_resources.py); only the IndexSearch function has it;
# 5. cfn-lint the packaged template: any error or warning fails.
# Quiet on success; on failure prints what failed and exits non-zero.
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$PWD
STAGE=${STAGE:-dev}
if [ "$STAGE" = dev ]; then OUT=${OUT:-infra/out}; else OUT=${OUT:-infra/out/$STAGE}; fi
case $OUT in /*) ;; *) OUT=$ROOT/$OUT ;; esac
BIN=${BIN:-$ROOT/.venv/bin}
export AWS_DEFAULT_REGION=${AWS_DEFAULT_REGION:-us-east-1}
export PYTHONDONTWRITEBYTECODE=1
# chalice runs pip to fetch the wheels: fail within seconds, not minutes, when offline
export PIP_RETRIES=${PIP_RETRIES:-2} PIP_TIMEOUT=${PIP_TIMEOUT:-20} PIP_DISABLE_PIP_VERSION_CHECK=1

fail() { echo "package.sh: $*" >&2; exit 1; }
PAGEFIND_VERSION=$("$BIN/python" -c 'import sys; sys.path.insert(0, "infra"); import make_resources as m; print(m.PAGEFIND_VERSION)' 2>/dev/null) || PAGEFIND_VERSION=
LAYER_CACHE=${LAYER_CACHE:-$ROOT/infra/out/layers}
for tool in python chalice cfn-lint; do
  [ -x "$BIN/$tool" ] || fail "$BIN/$tool is missing (run: make dev)"
done
for need in publisher/build.py publisher/runtime.py site/theme/templates content/departments.yaml; do
  [ -e "$need" ] || fail "$need is missing: nothing to vendor"
done

# --- 1. vendor ---------------------------------------------------------------------------------
VENDOR=functions/vendor
rm -rf "$VENDOR"
mkdir -p "$VENDOR/wenzheng_bundle"
tar -C . -cf - \
    --exclude='__pycache__' --exclude='*.pyc' --exclude='publisher/pelican_plugin.py' \
    publisher | tar -C "$VENDOR" -xf -
tar -C site -cf - --exclude='__pycache__' --exclude='.*' theme \
    | tar -C "$VENDOR/wenzheng_bundle" -xf -
tar -C . -cf - --exclude='.*' content | tar -C "$VENDOR/wenzheng_bundle" -xf -

# caches of the shipped code would only change the package's hash (and refetch the wheels)
find functions/chalicelib -name __pycache__ -type d -prune -exec rm -rf {} +

# --- 2. merge template ---------------------------------------------------------------------------
mkdir -p "$OUT"
"$BIN/python" infra/make_resources.py --stage "$STAGE" --out "$OUT/resources.json" \
    || fail "infra/make_resources.py failed"

# --- 3. chalice package --------------------------------------------------------------------------
log=$(mktemp)
trap 'rm -f "$log"' EXIT
rm -f "$OUT/sam.json" "$OUT/deployment.zip"
if ! (cd functions && "$BIN/chalice" package --stage "$STAGE" \
        --merge-template "$OUT/resources.json" "$OUT") >"$log" 2>&1; then
  tail -n 4 "$log" >&2
  fail "chalice package failed (requirements are fetched as manylinux wheels from the package index: is it reachable?)"
fi
if grep -q "Could not install dependencies" "$log"; then
  cat "$log" >&2
  fail "chalice could not fetch manylinux wheels for the requirements above (offline, or no wheel for the Lambda platform); the package would be incomplete"
fi
# keep the newest few cached dependency builds (one per code/requirements version)
ls -1t functions/.chalice/deployments/*.zip 2>/dev/null | tail -n +6 | xargs -r rm -f

# --- 4. the Pagefind layer (cached: a second run downloads nothing) -------------------------------
[ -n "$PAGEFIND_VERSION" ] || fail "infra/make_resources.py names no PAGEFIND_VERSION"
LAYER=$LAYER_CACHE/pagefind-$PAGEFIND_VERSION-x86_64.zip
if [ ! -s "$LAYER" ]; then
  mkdir -p "$LAYER_CACHE"
  wheels=$(mktemp -d)
  trap 'rm -f "$log"; rm -rf "$wheels"' EXIT
  if ! "$BIN/python" -m pip download --quiet --no-deps --only-binary=:all: \
        --platform manylinux2014_x86_64 --python-version 3.11 --implementation cp \
        --dest "$wheels" "pagefind==$PAGEFIND_VERSION" "pagefind_bin_extended==$PAGEFIND_VERSION" \
        >"$log" 2>&1; then
    grep -v "is ignored" "$log" | tail -n 4 >&2
    fail "could not download the pagefind $PAGEFIND_VERSION wheels for the layer (is the package index reachable?)"
  fi
  "$BIN/python" - "$wheels" "$LAYER.tmp" <<'PY' || fail "could not write the Pagefind layer"
"""Unpack the wheels into python/ of one zip: fixed timestamps and order (the same bytes on
every build, so CloudFormation keeps the layer version), each entry's Unix mode kept."""
import sys
import zipfile
from pathlib import Path

wheels, target = Path(sys.argv[1]), sys.argv[2]
entries = {}
for wheel in sorted(wheels.glob("*.whl")):
    with zipfile.ZipFile(wheel) as z:
        for info in z.infolist():
            if not info.is_dir():
                mode = (info.external_attr >> 16) & 0o777 or 0o644
                entries["python/" + info.filename] = (mode, z.read(info))
names = set(entries)
assert "python/pagefind/__init__.py" in names, "no pagefind package in the wheels"
assert "python/pagefind_bin_extended/pagefind_extended" in names, "no pagefind_extended binary"
with zipfile.ZipFile(target, "w", zipfile.ZIP_DEFLATED, compresslevel=9) as out:
    for name in sorted(entries):
        mode, data = entries[name]
        info = zipfile.ZipInfo(name, date_time=(1980, 1, 1, 0, 0, 0))
        info.create_system = 3                       # Unix, so Lambda reads the mode bits
        info.external_attr = (0o100000 | mode) << 16
        info.compress_type = zipfile.ZIP_DEFLATED
        out.writestr(info, data)
PY
  mv "$LAYER.tmp" "$LAYER"
fi
rm -f "$OUT/pagefind-layer.zip"
ln "$LAYER" "$OUT/pagefind-layer.zip" 2>/dev/null || cp "$LAYER" "$OUT/pagefind-layer.zip"

# --- 5. lint -------------------------------------------------------------------------------------
if ! "$BIN/cfn-lint" "$OUT/sam.json" >"$log" 2>&1; then
  cat "$log" >&2
  fail "cfn-lint found problems in $OUT/sam.json"
fi
