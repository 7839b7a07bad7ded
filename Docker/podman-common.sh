# Shared by Docker/test-image.sh and Docker/test-replicas.sh (sourced, not run): rootful podman on a machine with no
# registry and no Docker engine (recipe: shared/reference/containers.md), and the local stand-in of Debian slim.
step() { printf '\n== %s\n' "$*"; }

# podman_tools: podman, runc (crun refuses this machine's hybrid cgroups) and debootstrap, and the engine settings the
# machine needs (its hard open-files limit is 20000, and no systemd).
podman_tools() {
    step "tools"
    command -v podman >/dev/null && command -v runc >/dev/null && command -v debootstrap >/dev/null \
        || { apt-get update -qq && apt-get install -y -qq podman runc debootstrap >/dev/null; }
    if ! grep -q 'runtime = "runc"' /etc/containers/containers.conf 2>/dev/null; then
        mkdir -p /etc/containers
        cat > /etc/containers/containers.conf <<'CONF'
[containers]
default_ulimits = ["nofile=20000:20000", "nproc=30000:30000"]
[engine]
runtime = "runc"
cgroup_manager = "cgroupfs"
events_logger = "file"
CONF
    fi
    mirror="$(awk '/^URIs:/ {print $2; exit}' /etc/apt/sources.list.d/debian.sources 2>/dev/null || echo http://deb.debian.org/debian)"
}

# runtime_base WORK: localhost/debian:bookworm-slim, made once with debootstrap (≈ 40 s) and kept as a local image.
runtime_base() {
    runtime_image=localhost/debian:bookworm-slim
    if ! podman image exists "$runtime_image"; then
        step "runtime base: debootstrap minbase bookworm → $runtime_image"
        debootstrap --variant=minbase bookworm "$1/runtime" "$mirror" >/dev/null
        # Trim it the way Debian's -slim images are trimmed: no documentation, manuals or locales.
        rm -rf "$1/runtime/var/lib/apt/lists/"* "$1/runtime/usr/share/doc/"* "$1/runtime/usr/share/man/"* \
            "$1/runtime/usr/share/info/"* "$1/runtime/usr/share/locale/"* "$1/runtime/var/cache/apt/"*
        tar -C "$1/runtime" -c . | podman import - "$runtime_image" >/dev/null
    fi
}
