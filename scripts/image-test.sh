#!/usr/bin/env bash
# Builds the deploy image (deploy/Containerfile, target runtime-prebuilt) from the zonal
# and dist/ the tests already built, runs it, and checks that it serves: /api/healthz,
# Tesseract among the OCR providers, an invoice and a scanned receipt extracted, not root.
# Images cannot be pulled here, so debian:bookworm-slim is made locally with debootstrap.
# Everything is cached under ~/.cache/zonal/image (the base's rootfs, Buildah's layers):
# a second run rebuilds nothing that did not change.
set -euo pipefail
source "$(dirname "$0")/env.sh"
cd "$ROOT"

CACHE="${ZONAL_IMAGE_CACHE:-$HOME/.cache/zonal/image}"
BIN="${ZONAL_BIN:-$CARGO_TARGET_DIR/debug/zonal}"
DIST="${ZONAL_DIST:-$ROOT/dist}"
CORPUS="${ZONAL_CORPUS:-$ROOT/../shared/corpus/dev}"
MIRROR="${ZONAL_DEBIAN_MIRROR:-http://deb.debian.org/debian}"
BASE=docker.io/library/debian:bookworm-slim
IMAGE=localhost/zonal:image-test
# vfs works wherever Buildah does (no mounts); ZONAL_IMAGE_DRIVER=overlay is faster where
# the kernel allows it. One storage root per driver.
DRIVER="${ZONAL_IMAGE_DRIVER:-vfs}"
B=(buildah --root "$CACHE/storage-$DRIVER" --runroot "$CACHE/run-$DRIVER" --storage-driver "$DRIVER")

log() { printf '\033[1;34m[image]\033[0m %s\n' "$*"; }
die() { printf '\033[1;31m[image] FAIL:\033[0m %s\n' "$*" >&2; exit 1; }
START=$(date +%s.%N); LAP=$START
lap() { # prints the time since the previous lap
  local now; now=$(date +%s.%N)
  printf '\033[1;34m[image]\033[0m %-34s %6.1f s\n' "$1" "$(awk "BEGIN {print $now - $LAP}")"
  LAP=$now
}

command -v buildah >/dev/null && command -v debootstrap >/dev/null \
  || die "buildah and debootstrap are needed (scripts/setup.sh installs them)"
[ -x "$BIN" ] || die "$BIN missing (cargo test -p relay builds it)"
[ -f "$DIST/index.html" ] || die "$DIST/index.html missing (trunk build makes it)"
mkdir -p "$CACHE"

# --- the base image: Debian 12 minbase made to look like the slim image -----------------
ROOTFS_TAR="$CACHE/bookworm-minbase.tar"
if [ ! -s "$ROOTFS_TAR" ]; then
  log "debootstrap --variant=minbase bookworm (once)"
  tmp=$(mktemp -d "$CACHE/rootfs.XXXXXX")
  debootstrap --variant=minbase bookworm "$tmp/root" "$MIRROR" >"$tmp/log" 2>&1 \
    || { tail -20 "$tmp/log" >&2; die "debootstrap failed"; }
  r="$tmp/root"
  # What the slim image has: deb822 sources with updates and security, apt keeping no
  # caches or translations, dpkg leaving out documentation.
  rm -f "$r/etc/apt/sources.list"
  cat >"$r/etc/apt/sources.list.d/debian.sources" <<EOF
Types: deb
URIs: $MIRROR
Suites: bookworm bookworm-updates
Components: main
Signed-By: /usr/share/keyrings/debian-archive-keyring.gpg

Types: deb
URIs: ${MIRROR%/debian}/debian-security
Suites: bookworm-security
Components: main
Signed-By: /usr/share/keyrings/debian-archive-keyring.gpg
EOF
  cat >"$r/etc/apt/apt.conf.d/docker-clean" <<'EOF'
DPkg::Post-Invoke { "rm -f /var/cache/apt/archives/*.deb /var/cache/apt/archives/partial/*.deb /var/cache/apt/*.bin || true"; };
APT::Update::Post-Invoke { "rm -f /var/cache/apt/archives/*.deb /var/cache/apt/archives/partial/*.deb /var/cache/apt/*.bin || true"; };
Dir::Cache::pkgcache "";
Dir::Cache::srcpkgcache "";
EOF
  echo 'Acquire::Languages "none";' >"$r/etc/apt/apt.conf.d/docker-no-languages"
  echo 'APT::AutoRemove::SuggestsImportant "false";' >"$r/etc/apt/apt.conf.d/docker-autoremove-suggests"
  cat >"$r/etc/dpkg/dpkg.cfg.d/docker" <<'EOF'
path-exclude /usr/share/doc/*
path-include /usr/share/doc/*/copyright
path-exclude /usr/share/man/*
path-exclude /usr/share/groff/*
path-exclude /usr/share/info/*
path-exclude /usr/share/lintian/*
path-exclude /usr/share/linda/*
path-exclude /usr/share/locale/*
path-include /usr/share/locale/locale.alias
EOF
  find "$r/usr/share/doc" -mindepth 1 -not -name copyright -not -type d -delete
  rm -rf "$r"/usr/share/{man,info,groff,lintian}/* "$r"/var/cache/apt/archives/*.deb \
    "$r"/var/cache/apt/*.bin "$r"/var/lib/apt/lists/* "$r"/var/log/* "$r/debootstrap"
  find "$r/usr/share/locale" -mindepth 1 -maxdepth 1 -not -name locale.alias -exec rm -rf {} +
  : >"$r/etc/resolv.conf"; : >"$r/etc/hostname"  # the runtime provides these
  # Device nodes and mounts are the runtime's too: only the empty directories go in.
  tar -C "$r" --numeric-owner --exclude='./dev/*' --exclude='./proc/*' --exclude='./sys/*' \
    -cf "$ROOTFS_TAR.part" .
  mv "$ROOTFS_TAR.part" "$ROOTFS_TAR"
  rm -rf "$tmp"
  lap "debootstrap (cold)"
fi
if ! "${B[@]}" inspect --type image "$BASE" >/dev/null 2>&1; then
  log "import $BASE from the rootfs"
  c=$("${B[@]}" from --pull=never scratch)
  "${B[@]}" add --quiet "$c" "$ROOTFS_TAR" / >/dev/null
  "${B[@]}" config --cmd bash \
    --env PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin "$c"
  "${B[@]}" commit --quiet --rm "$c" "$BASE" >/dev/null
  lap "base image import"
fi
lap "base image ready"

# --- the build context: the artifacts only ----------------------------------------------
CTX="$CACHE/context"
rm -rf "$CTX"; mkdir -p "$CTX"
# Debug info is most of the debug binary (0.5 GB): without it the layer is a tenth.
strip -o "$CTX/zonal" "$BIN"
cp -r "$DIST" "$CTX/dist"
# Fixed times, so an unchanged file is an unchanged layer for the cache.
find "$CTX" -exec touch -h -d @0 {} +
lap "context (strip, copy dist)"

log "buildah bud --target runtime-prebuilt"
"${B[@]}" bud --quiet --layers --pull=never --isolation chroot --format docker \
  -f deploy/Containerfile --target runtime-prebuilt -t "$IMAGE" "$CTX" >"$CACHE/bud.log" 2>&1 \
  || { tail -30 "$CACHE/bud.log" >&2; die "the image did not build (log: $CACHE/bud.log)"; }
lap "build (buildah bud)"

# --- run it --------------------------------------------------------------------------------
PORT=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
URL="http://127.0.0.1:$PORT"
CTR=""; RUN_PID=""; ZPID=""
cleanup() {
  # zonal itself first (SIGTERM: a graceful stop), then the buildah run around it.
  if [ -n "$ZPID" ]; then kill "$ZPID" 2>/dev/null || true; fi
  if [ -n "$RUN_PID" ]; then wait "$RUN_PID" 2>/dev/null || true; fi
  if [ -n "$CTR" ]; then "${B[@]}" rm "$CTR" >/dev/null 2>&1 || true; fi
  CTR=""; RUN_PID=""; ZPID=""
  return 0
}
trap cleanup EXIT
CTR=$("${B[@]}" from --pull=never "$IMAGE")
# The image's own entrypoint and user; chroot isolation shares the host's network.
mapfile -t ENTRY < <("${B[@]}" inspect --type image --format '{{range .Docker.Config.Entrypoint}}{{println .}}{{end}}' "$IMAGE" | sed '/^$/d')
[ "${#ENTRY[@]}" -gt 0 ] || die "the image has no entrypoint"
"${B[@]}" inspect --type image --format '{{.Docker.Config.Healthcheck.Test}}' "$IMAGE" \
  | grep -q 'zonal healthcheck' || die "the image has no HEALTHCHECK running zonal healthcheck"
"${B[@]}" run --isolation chroot --network host -e PORT="$PORT" "$CTR" -- "${ENTRY[@]}" \
  >"$CACHE/serve.log" 2>&1 &
RUN_PID=$!
for _ in $(seq 1 150); do
  curl -fsS "$URL/api/healthz" >/dev/null 2>&1 && break
  kill -0 "$RUN_PID" 2>/dev/null || { cat "$CACHE/serve.log" >&2; die "zonal serve exited in the container"; }
  sleep 0.2
done
curl -fsS "$URL/api/healthz" | grep -q '"ok"' \
  || { cat "$CACHE/serve.log" >&2; die "/api/healthz does not answer on PORT=$PORT"; }
lap "start (until /api/healthz)"

# The HEALTHCHECK's command, inside the container.
"${B[@]}" run --isolation chroot --network host "$CTR" -- zonal healthcheck --url "$URL/api/healthz" \
  || die "zonal healthcheck failed inside the container"
"${B[@]}" run --isolation chroot --network host "$CTR" -- zonal healthcheck --url "$URL/api/nope" 2>/dev/null \
  && die "zonal healthcheck passed a 404"

# Not root: the serving process's real and effective uid.
ZPID=$(ps -e -o pid=,comm= | awk '$2 == "zonal" {print $1}' | while read -r p; do
  # only ours: a descendant of the buildah run started above
  q=$p; while [ "$q" -gt 1 ]; do
    [ "$q" = "$RUN_PID" ] && { echo "$p"; break; }
    q=$(awk '{print $4}' "/proc/$q/stat" 2>/dev/null || echo 1)
  done
done | head -1)
[ -n "$ZPID" ] || die "cannot find the zonal process under buildah run ($RUN_PID)"
uids=$(awk '/^Uid:/ {print $2, $3}' "/proc/$ZPID/status")
[ "$uids" = "10001 10001" ] || die "zonal runs as uid $uids, not 10001"
grep -q 'web app not built' "$CACHE/serve.log" \
  && die "the container does not find the web app: $(cat "$CACHE/serve.log")"
curl -fsS "$URL/" | grep -qi '<html' || die "/ does not serve the app"

CONFIG=$(curl -fsS "$URL/api/config")
echo "$CONFIG" | python3 -c 'import json,sys; ocr=json.load(sys.stdin)["providers"]["ocr"]; sys.exit(0 if "tesseract" in ocr else 1)' \
  || die "GET /api/config lists no tesseract among the OCR providers: $CONFIG"
lap "checks (healthcheck, uid, config)"

# An invoice (text layer) and a photographed receipt (OCR by the image's Tesseract).
SID=$(python3 -c 'import uuid; print(uuid.uuid4())')
UP=$(curl -fsS -X POST "$URL/api/jobs" -H "X-Session-Id: $SID" \
  -F "files[]=@$CORPUS/invoice2data/oyo.pdf;type=application/pdf" \
  -F "files[]=@$CORPUS/sroie/000.pdf;type=application/pdf") || die "POST /api/jobs failed"
mapfile -t JOBS < <(echo "$UP" | python3 -c 'import json,sys; [print(j["jobId"]) for j in json.load(sys.stdin)["jobs"]]')
[ "${#JOBS[@]}" = 2 ] || die "POST /api/jobs: $UP"
check_job() { # job id, field, expected value
  local v deadline=$((SECONDS + 120))
  while :; do
    v=$(curl -fsS "$URL/api/jobs/$1" -H "X-Session-Id: $SID") || die "GET /api/jobs/$1 failed"
    case $(echo "$v" | python3 -c 'import json,sys; print(json.load(sys.stdin)["status"])') in
      done) break ;;
      failed) die "job $1 failed: $v" ;;
    esac
    [ "$SECONDS" -lt "$deadline" ] || die "job $1 not done in 120 s: $v"
    sleep 0.2
  done
  got=$(echo "$v" | python3 -c "import json,sys; print(json.load(sys.stdin)['resultJson'].get('$2'))")
  [ "$got" = "$3" ] || die "job $1: $2 is '$got', not '$3': $v"
}
check_job "${JOBS[0]}" invoiceNumber IBZY2087
check_job "${JOBS[1]}" total 9.00
curl -fsS -X DELETE "$URL/api/sessions/$SID" -H "X-Session-Id: $SID" >/dev/null \
  || die "DELETE /api/sessions failed"
lap "extract (oyo.pdf, sroie/000.pdf)"

cleanup
lap "cleanup"
printf '\033[1;32m[image]\033[0m ok: %s (%s), %.1f s in all\n' "$IMAGE" \
  "$("${B[@]}" images --format '{{.ID}}, {{.Size}}' "$IMAGE")" \
  "$(awk "BEGIN {print $(date +%s.%N) - $START}")"
