#!/usr/bin/env bash
# Builds the server images (User, Post, gateway) from this repository, with no image registry:
#
#   deploy/build-images.sh [TAG]      (default TAG: dev)
#
# makes localhost/grpc-pair/user-server:TAG, .../post-server:TAG and .../gateway:TAG in the local
# podman/buildah storage. Each image is a Java runtime cut down with jlink from the build JDK to
# the modules the servers use, the C libraries it links to, the server's jar, the launch
# configuration (deploy/jvm.options, with the heap sized from the container's memory limit) and
# a class-data archive made by starting the image once. No shell, no package manager; user 10001.
#
# Needs buildah and podman (Debian: apt-get install podman buildah runc) and the JDK's jlink.
# Podman and buildah read the project's settings (deploy/containers.conf: ulimits root may set,
# runc, no systemd) unless CONTAINERS_CONF names other ones.
set -euo pipefail
cd "$(dirname "$0")/.."
export CONTAINERS_CONF=${CONTAINERS_CONF:-$PWD/deploy/containers.conf}

tag=${1:-dev}
work=target/images
# What the servers need, from jdeps --print-module-deps on both jars, less what they only use
# when it is there (java.sql for picocli's converters, jdk.jfr for Netty's events, which the
# launch configuration turns off), plus what TLS loads by name (elliptic curves).
modules=java.base,java.logging,java.naming,jdk.httpserver,jdk.unsupported,jdk.crypto.ec

say() { echo "build-images: $*" >&2; }

# Tags $1 as $2; the image that had the tag before goes, unless a container still uses it, so
# rebuilding does not pile up untagged images.
commit() {
  local container=$1 image=$2 previous
  previous=$(podman image inspect --format '{{.Id}}' "$image" 2>/dev/null || true)
  buildah commit --quiet --rm "$container" "$image" >/dev/null
  if [[ -n "$previous" && "$previous" != "$(podman image inspect --format '{{.Id}}' "$image")" ]]; then
    podman rmi "$previous" >/dev/null 2>&1 || true
  fi
}

source deploy/jars.sh
build_jars_if_stale build-images
# The project's own version: the first <version> of the root pom (it has no parent).
version=$(sed -n 's:^  <version>\(.*\)</version>$:\1:p' pom.xml | head -1)
revision=$(git rev-parse HEAD 2>/dev/null || echo unknown)
source=$(git remote get-url origin 2>/dev/null || echo "file://$PWD")

rm -rf "$work"
mkdir -p "$work/root/app" "$work/root/etc" "$work/root/tmp" "$work/cds"
chmod 1777 "$work/root/tmp"

say "making the runtime with jlink ($modules)"
jlink --add-modules "$modules" --strip-debug --no-man-pages --no-header-files --compress=2 \
  --output "$work/root/app/runtime"
# The runtime's own class-data archive, under which each server's archive is written (jlink's
# --generate-cds-archive would also write one for 32 GiB+ heaps, which are for other machines).
"$work/root/app/runtime/bin/java" -Xshare:dump >/dev/null

# Copies the C libraries that the programs named after the root folder link to into it, at the
# paths they are loaded from.
copy_libraries() {
  local root=$1 library
  shift
  for library in $(ldd "$@" 2>/dev/null |
    awk '/=> \// {print $3} /^[ \t]*\/lib/ {print $1}' | sort -u); do
    mkdir -p "$root$(dirname "$library")"
    cp -L "$library" "$root$library"
  done
}
# The runtime's: glibc, libstdc++, zlib.
copy_libraries "$work/root" $(find "$work/root/app/runtime" -name '*.so' -o -path '*/bin/*' -type f)
# Symbols are for debuggers.
strip --strip-unneeded "$work/root/app/runtime/lib/server/libjvm.so"

printf 'root:x:0:0:root:/:/sbin/nologin\napp:x:10001:10001:app:/tmp:/sbin/nologin\n' \
  > "$work/root/etc/passwd"
printf 'root:x:0:\napp:x:10001:\n' > "$work/root/etc/group"
# In a container the heap follows the memory limit instead of a fixed -Xmx.
grep -v -e '^-Xmx' deploy/jvm.options > "$work/root/app/jvm.options"
printf '%s\n' '-XX:MaxRAMPercentage=60' >> "$work/root/app/jvm.options"

# A working container named after what it builds and the tag, so that builds of other tags (another
# checkout's, at the same time) are told apart; one an interrupted run left goes first.
working_container() {
  local named="build-images-$1-$tag"
  buildah rm "$named" >/dev/null 2>&1 || true
  buildah from --name "$named" scratch
}

# Each build runs in a process of its own (below): what it has started is in these, and goes if
# it fails, so that a failed run leaves no container and no untrained image behind.
container=
run=
image=
discard() {
  [[ -z "$run" ]] || podman rm --force "$run" >/dev/null 2>&1 || true
  [[ -z "$container" ]] || buildah rm "$container" >/dev/null 2>&1 || true
  [[ -z "$image" ]] || podman rmi --force "$image-untrained" >/dev/null 2>&1 || true
}
trap 'status=$?; ((status == 0)) || discard' EXIT

build() {
  local name=$1 port=$2
  local java=/app/runtime/bin/java jar=/app/$name.jar archive=/app/$name.jsa
  image=localhost/grpc-pair/$1:$tag
  # A process started with & does not inherit the EXIT trap.
  trap 'status=$?; ((status == 0)) || discard' EXIT
  say "building $image"
  # Netty's native libraries for other systems and processors are of no use in this image.
  cp "$name/target/$name.jar" "$work/$name.jar"
  local machine
  machine=$(uname -m | sed 's/aarch64/aarch_64/')
  zip -q -d "$work/$name.jar" $(unzip -Z1 "$work/$name.jar" 'META-INF/native/*' |
    grep -v "_${machine}\.so$" | sed 's/[][*?]/\\&/g') >/dev/null
  container=$(working_container "$name")
  buildah copy --quiet "$container" "$work/root" / >/dev/null
  buildah copy --quiet --chown 0:0 "$container" "$work/$name.jar" "$jar" >/dev/null
  buildah config \
    --user 10001:10001 \
    --workingdir /tmp \
    --port "$port" \
    --stop-signal SIGTERM \
    --entrypoint "[\"$java\", \"@/app/jvm.options\", \"-XX:SharedArchiveFile=$archive\", \"-jar\", \"$jar\"]" \
    --cmd '[]' \
    --label org.opencontainers.image.title="$name" \
    --label org.opencontainers.image.source="$source" \
    --label org.opencontainers.image.version="$version" \
    --label org.opencontainers.image.revision="$revision" \
    "$container"
  buildah commit --quiet "$container" "$image-untrained" >/dev/null

  # One start and stop of the image itself writes the class-data archive for its own jar
  # and runtime: the JVM writes it when it exits after the graceful stop.
  say "training $name's class-data archive"
  rm -f "$work/cds/$name.jsa"
  run=$(podman run -d --user 0 -v "$PWD/$work/cds:/cds" --entrypoint "$java" "$image-untrained" \
    @/app/jvm.options "-XX:ArchiveClassesAtExit=/cds/$name.jsa" -jar "$jar") || {
    say "podman could not start $image-untrained with the settings in $CONTAINERS_CONF (docs/deploy.md)"
    exit 1
  }
  # The log is followed as it is written (podman logs -f ends with the container), not asked for
  # again and again: a podman process costs a tenth of a second of CPU.
  grep -q -m1 'listening on port' < <(timeout 60 podman logs -f "$run" 2>&1) || {
    say "$name did not start within 60 s:"
    podman logs "$run" >&2
    exit 1
  }
  podman stop --time 30 "$run" >/dev/null
  podman rm "$run" >/dev/null
  run=
  [[ -s "$work/cds/$name.jsa" ]] || { say "no class-data archive was written for $name"; exit 1; }
  buildah copy --quiet --chmod 0444 "$container" "$work/cds/$name.jsa" "$archive" >/dev/null
  commit "$container" "$image"
  container=
  podman rmi "$image-untrained" >/dev/null
  say "$image: $(podman image inspect --format "{{.Size}}" "$image" | numfmt --to=si --round=nearest --format=%.1f --suffix=B)"
}

# Prometheus for the compose stack, from the machine's own binary (Debian: apt-get install
# prometheus), for machines without an image registry; with one, compose can use
# PROMETHEUS_IMAGE=docker.io/prom/prometheus instead. Tagged "latest" whatever TAG is: it is the
# machine's Prometheus, not this project's code, and compose finds it so with any TAG.
build_prometheus() {
  local binary root=$work/prometheus
  image=localhost/grpc-pair/prometheus:latest
  binary=/usr/bin/prometheus
  say "building $image from $binary"
  mkdir -p "$root/etc/prometheus" "$work/prometheus-storage/prometheus"
  copy_libraries "$root" "$binary"
  mkdir -p "$root/usr/bin"
  cp "$binary" "$root/usr/bin/"
  cp "$work/root/etc/passwd" "$work/root/etc/group" "$root/etc/"
  container=$(working_container prometheus)
  buildah copy --quiet "$container" "$root" / >/dev/null
  # Its storage: a tmpfs in the compose stack, which starts as a copy of this folder.
  buildah copy --quiet --chown 10001:10001 "$container" "$work/prometheus-storage" / >/dev/null
  buildah config --user 10001:10001 --port 9090 --workingdir /prometheus \
    --entrypoint "[\"$binary\", \"--storage.tsdb.path=/prometheus\"]" \
    --cmd '["--config.file=/etc/prometheus/prometheus.yml"]' "$container"
  commit "$container" "$image"
  container=
}

# The three images are independent: they are built side by side (most of the time goes to
# starting each server once to train its archive), and each one's lines are printed together,
# in this order, once it is done.
builds=()
for server in user-server:9000 post-server:9001 gateway:8080; do
  build "${server%:*}" "${server#*:}" >"$work/${server%:*}.log" 2>&1 &
  builds+=("$!:${server%:*}")
done
failed=
for job in "${builds[@]}"; do
  wait "${job%%:*}" || failed=1
  cat "$work/${job#*:}.log" >&2
done
[[ -z "$failed" ]] || exit 1
if [[ -x /usr/bin/prometheus ]]; then
  build_prometheus
fi
