#!/usr/bin/env bash
# Builds the servers and runs them side by side: User on 9000, Post on 9001, and the HTTP/JSON
# gateway (the original's part 3) on 8080. Ctrl-C (or SIGTERM) stops them gracefully. If one
# exits, the others are stopped too.
#
#   ./run-pair.sh                 build, then run in plaintext (the original pair's setup)
#   ./run-pair.sh certs [DIR]     make a local CA, certificates and tokens in DIR (default: certs)
#   ./run-pair.sh secure [DIR]    build, then run secured with the files in DIR (made if missing):
#                                 callers -> Post over TLS with a token,
#                                 Post -> User over mutual TLS with a token of its own
#   ./run-pair.sh bench [quick|full] [--write-report | compare DIR | tracing]
#                                 install h2load if missing, build, run the benchmark against
#                                 a bare grpc-java server: quick (about 6 minutes, the default) or
#                                 full (over half an hour); --write-report writes
#                                 docs/performance.md and its chart; BENCH_JVM="-Xmx64m ..."
#                                 replaces the servers' JVM flags; compare DIR runs this
#                                 checkout's pair against the one built in DIR (another
#                                 checkout, with its jars built), interleaved, in one run;
#                                 BENCH_CALLS=N makes N calls a run (a check of the bench itself)
#
#   SKIP_BUILD=1 ./run-pair.sh    run the jars already built, even if the sources changed
#   USER_PORT=9100 POST_PORT=9101 GATEWAY_PORT=8180 ./run-pair.sh
#   POST_ARGS="--metrics-port=9465" ./run-pair.sh
#                                 flags for one server (USER_ARGS, POST_ARGS, GATEWAY_ARGS);
#                                 environment variables (METRICS_PORT=...) reach all three
#   JDK_JAVA_OPTIONS=-Dorg.slf4j.simpleLogger.log.access=debug ./run-pair.sh
#                                 log health checks and reflection calls too (docs/observability.md)
#
# The jars are rebuilt only when a source or pom is newer than them. Both servers start with
# the launch configuration in deploy/jvm.options and a class-data archive beside each jar,
# written when the server first stops (Ctrl-C) and used from the next start on: start-up in
# about 0.4 s instead of 0.9 s. Each server's lines start with "user | ", "post | " or "gate | ".
set -euo pipefail
cd "$(dirname "$0")"

# The comment above, as the help.
help() { sed -n '2,/^set -euo pipefail/p' "$0" | sed '$d; s/^# \{0,1\}//'; }

user_port=${USER_PORT:-9000}
post_port=${POST_PORT:-9001}
gateway_port=${GATEWAY_PORT:-8080}

# A local CA, a certificate for each server (valid for localhost, 127.0.0.1 and the Service names
# of deploy/k8s, user and post), a client
# certificate for the Post server's calls to the User server and one for you (grpcurl), and tokens.
make_certs() {
  local dir=$1
  command -v openssl >/dev/null || { echo "run-pair: openssl is needed to make certificates" >&2; exit 1; }
  mkdir -p "$dir"
  (
    cd "$dir"
    umask 077
    openssl req -x509 -newkey rsa:2048 -nodes -days 365 -subj "/CN=grpc-pair local CA" \
      -keyout ca.key -out ca.pem \
      -addext "basicConstraints=critical,CA:TRUE" -addext "keyUsage=critical,keyCertSign,cRLSign" 2>/dev/null
    issue() { # name, common name, extensions
      openssl req -newkey rsa:2048 -nodes -subj "/CN=$2" -keyout "$1.key" -out "$1.csr" 2>/dev/null
      printf '%b' "$3" > "$1.ext"
      openssl x509 -req -in "$1.csr" -CA ca.pem -CAkey ca.key -CAcreateserial -days 365 \
        -extfile "$1.ext" -out "$1.pem" 2>/dev/null
      rm -f "$1.csr" "$1.ext"
    }
    issue user-server localhost "subjectAltName=DNS:localhost,IP:127.0.0.1,DNS:user\nextendedKeyUsage=serverAuth"
    issue post-server localhost "subjectAltName=DNS:localhost,IP:127.0.0.1,DNS:post\nextendedKeyUsage=serverAuth"
    issue post-client post-server "extendedKeyUsage=clientAuth"
    issue client grpcurl "extendedKeyUsage=clientAuth"
    rm -f ca.srl
    openssl rand -hex 32 > post-to-user.token
    openssl rand -hex 32 > client.token
    printf 'post-server=%s\nclient=%s\n' "$(cat post-to-user.token)" "$(cat client.token)" > user-server.tokens
    printf 'client=%s\n' "$(cat client.token)" > post-server.tokens
  )
  echo "run-pair: made a CA, certificates and tokens in $dir" >&2
}

# The jars, and building them only when the sources changed.
source deploy/jars.sh

mode=${1:-plain}
case "$mode" in
  certs) make_certs "${2:-certs}"; exit 0 ;;
  secure) certs=${2:-certs}; [[ -f "$certs/ca.pem" ]] || make_certs "$certs" ;;
  bench)
    if [[ "${2:-}" == -h || "${2:-}" == --help ]]; then
      help
      exit 0
    fi
    if ! command -v h2load >/dev/null; then
      echo "run-pair: installing h2load (Debian's nghttp2-client)..." >&2
      apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq nghttp2-client
    fi
    build_jars_if_stale run-pair
    # The bench module's jar (built with the servers): starts both jars, drives them with h2load.
    shift
    exec java ${BENCH_JVM:+"-Dbench.jvm=$BENCH_JVM"} -jar bench/target/bench.jar . "$@" ;;
  plain) ;;
  -h|--help) help; exit 0 ;;
  *) echo "usage: $0 [certs [DIR] | secure [DIR] | bench [quick|full] [--write-report | compare DIR | tracing]] (--help: more)" >&2; exit 2 ;;
esac

build_jars_if_stale run-pair

# The JVM checks an archive against its jar and ignores one made from another build.
class_data() {
  local jar=$1 archive=${1%.jar}.jsa
  if [[ -f "$archive" && "$archive" -nt "$jar" ]]; then
    echo "-XX:SharedArchiveFile=$archive"
  else
    rm -f "$archive"
    echo "-XX:ArchiveClassesAtExit=$archive"
  fi
}

user_env=(PORT="$user_port")
post_env=(PORT="$post_port" USER_TARGET="${USER_TARGET:-localhost:$user_port}")
gateway_env=(PORT="$gateway_port" USER_TARGET="${USER_TARGET:-localhost:$user_port}"
  POST_TARGET="localhost:$post_port")
if [[ "$mode" == secure ]]; then
  user_env+=(TLS_CERT="$certs/user-server.pem" TLS_KEY="$certs/user-server.key"
    TLS_CLIENT_CA="$certs/ca.pem" AUTH_TOKENS_FILE="$certs/user-server.tokens")
  post_env+=(TLS_CERT="$certs/post-server.pem" TLS_KEY="$certs/post-server.key"
    AUTH_TOKENS_FILE="$certs/post-server.tokens"
    USER_CA="$certs/ca.pem" USER_CERT="$certs/post-client.pem" USER_KEY="$certs/post-client.key"
    USER_TOKEN_FILE="$certs/post-to-user.token")
  # The gateway reaches the User server over mutual TLS with the Post server's client certificate,
  # the Post server over TLS, and passes on each caller's own Authorization header
  # (docs/gateway.md).
  gateway_env+=(USER_CA="$certs/ca.pem" USER_CERT="$certs/post-client.pem"
    USER_KEY="$certs/post-client.key" POST_CA="$certs/ca.pem")
fi

# USER_ARGS, POST_ARGS and GATEWAY_ARGS: flags for one server only (the environment reaches all
# three), e.g. POST_ARGS="--metrics-port=9465".
read -r -a user_args <<< "${USER_ARGS:-}"
read -r -a post_args <<< "${POST_ARGS:-}"
read -r -a gateway_args <<< "${GATEWAY_ARGS:-}"

# Each server's lines are labelled, as compose labels its containers'. Line-buffered, not sed -u:
# that reads a byte at a time, and under load took most of a core and throttled the servers.
# The labellers ignore SIGINT: Ctrl-C reaches the terminal's whole process group, and they must
# outlive the servers to print how they drained.
label() { trap '' INT; exec stdbuf -oL sed "s/^/$1 | /"; }
env "${user_env[@]}" java @deploy/jvm.options "$(class_data "${jars[0]}")" -jar "${jars[0]}" \
  ${user_args[@]+"${user_args[@]}"} > >(label user) 2>&1 &
user_pid=$!
# The Post server and gateway connect to the User server as they start: started before it listens,
# they are refused and back off, and the first calls made in that second fail. So they start once
# it listens (or has exited, or 30 s have passed). With USER_PORT=0 its port is not known here.
if [[ "$user_port" != 0 ]]; then
  for _ in $(seq 300); do
    (exec 3<>"/dev/tcp/127.0.0.1/$user_port") 2>/dev/null && break
    kill -0 "$user_pid" 2>/dev/null || break
    sleep 0.1
  done
fi
env "${post_env[@]}" java @deploy/jvm.options "$(class_data "${jars[1]}")" -jar "${jars[1]}" \
  ${post_args[@]+"${post_args[@]}"} > >(label post) 2>&1 &
post_pid=$!
env "${gateway_env[@]}" java @deploy/jvm.options "$(class_data "${jars[2]}")" -jar "${jars[2]}" \
  ${gateway_args[@]+"${gateway_args[@]}"} > >(label gate) 2>&1 &
gateway_pid=$!

# Background jobs of a script ignore SIGINT, so the servers get SIGTERM, their graceful stop:
# the Post server and the gateway first, so that their calls in flight can still reach the User
# server.
stop_all() {
  trap '' INT TERM
  kill -TERM "$post_pid" "$gateway_pid" 2>/dev/null || true
  wait "$post_pid" || post_status=$?
  wait "$gateway_pid" || gateway_status=$?
  kill -TERM "$user_pid" 2>/dev/null || true
  wait "$user_pid" || user_status=$?
  # A server stopped by the SIGTERM sent here exits 143 (128 + 15) once it has drained: the stop
  # asked for, not a failure.
  post_status=$((post_status == 143 ? 0 : post_status))
  gateway_status=$((gateway_status == 143 ? 0 : gateway_status))
  user_status=$((user_status == 143 ? 0 : user_status))
}
post_status=0
gateway_status=0
user_status=0
trap 'stop_all; exit $((post_status | gateway_status | user_status))' INT TERM

# Any server exiting on its own (a port in use, say) stops the others, and its exit code is the
# script's (1: could not start, 2: a bad flag), not that of the ones stopped because of it.
first_status=0
wait -n "$user_pid" "$post_pid" "$gateway_pid" || first_status=$?
stop_all
exit $((first_status != 0 ? first_status : post_status | gateway_status | user_status))
