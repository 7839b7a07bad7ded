#!/usr/bin/env bash
# Builds Docker/Dockerfile and tests the image for real with rootful podman, on a machine with no registry access
# and no Docker engine (recipe: shared/reference/containers.md): local stand-in base images are made with
# debootstrap. Checks /healthz, the HEALTHCHECK, the non-root user, --read-only with a writable volume, and a clean
# `podman stop`. Prints the image size. Takes minutes the first time (the bases are cached as local images).
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
cd "$root"

source "$root/Docker/podman-common.sh"
podman_tools
work="$(mktemp -d /var/tmp/craft-sync-image.XXXXXX)"
trap 'rm -rf "$work"' EXIT
runtime_base "$work"

swift_image=localhost/swift:6.3-bookworm
if ! podman image exists "$swift_image"; then
    step "build base: debootstrap + build packages + /opt/swift → $swift_image"
    debootstrap --variant=minbase bookworm "$work/build" "$mirror" >/dev/null
    mount -t proc proc "$work/build/proc"
    mount --bind /dev "$work/build/dev"
    chroot "$work/build" apt-get install -y -qq --no-install-recommends binutils libc6-dev libgcc-12-dev libstdc++-12-dev \
        libncurses6 libsqlite3-dev zlib1g-dev libssl-dev libcurl4-openssl-dev libxml2-dev git pkg-config ca-certificates >/dev/null
    umount "$work/build/dev" "$work/build/proc"
    rm -rf "$work/build/var/lib/apt/lists/"*
    mkdir -p "$work/build/opt"
    cp -a /opt/swift "$work/build/opt/swift"
    tar -C "$work/build" -c . | podman import \
        --change 'ENV PATH=/opt/swift/usr/bin:/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin' - "$swift_image" >/dev/null
fi

step "build the image"
git_config=""
if [ -d /opt/swift-packages ]; then
    git_config="'url./opt/swift-packages/.insteadof'='https://github.com/'"
fi
podman build --format docker -f Docker/Dockerfile -t craft-sync:test \
    --build-arg SWIFT_IMAGE="$swift_image" --build-arg RUNTIME_IMAGE="$runtime_image" \
    --build-arg GIT_CONFIG_PARAMETERS="$git_config" \
    $( [ -d /opt/swift-packages ] && echo "-v /opt/swift-packages:/opt/swift-packages:ro" ) .

step "run it read-only with a volume"
podman rm -f craft-sync-test >/dev/null 2>&1 || true
podman volume rm -f craft-sync-test-data >/dev/null 2>&1 || true
podman run -d --name craft-sync-test --read-only -v craft-sync-test-data:/var/lib/craft-sync -p 127.0.0.1:18480:8080 craft-sync:test >/dev/null
for _ in $(seq 1 100); do curl -fs http://127.0.0.1:18480/healthz >/dev/null && break; sleep 0.1; done
failures=0
check() { if eval "$2"; then echo "ok   $1"; else echo "FAIL $1"; failures=$((failures + 1)); fi; }
check "/healthz answers 200" 'curl -fs http://127.0.0.1:18480/healthz | grep -q ok'
check "/readyz answers 503 and names what is missing" 'curl -s http://127.0.0.1:18480/readyz | grep -q craft.api_key'
check "the health check passes" 'podman healthcheck run craft-sync-test >/dev/null 2>&1'
check "the process runs as non-root" '[ "$(podman exec craft-sync-test id -u)" != "0" ]'
check "the database is in the volume" 'podman exec craft-sync-test ls /var/lib/craft-sync/craft-sync.sqlite >/dev/null'
check "the root filesystem is read-only" '! podman exec craft-sync-test touch /usr/local/bin/x 2>/dev/null'
podman stop -t 15 craft-sync-test >/dev/null
check "podman stop ends it with exit code 0" '[ "$(podman inspect -f "{{.State.ExitCode}}" craft-sync-test)" = "0" ]'
podman rm -f craft-sync-test >/dev/null
podman volume rm -f craft-sync-test-data >/dev/null
size="$(podman image inspect craft-sync:test --format '{{.Size}}')"
printf '\nimage size: %d MB (target <= 160 MB)\n' "$((size / 1000000))"
[ "$failures" -eq 0 ] || { echo "$failures check(s) failed" >&2; exit 1; }
echo "all image checks passed"
