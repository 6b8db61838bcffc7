#!/usr/bin/env bash
# Builds both servers and runs them side by side: User on 9000, Post on 9001.
# Ctrl-C (or SIGTERM) stops both gracefully. If either server exits, the other is stopped too.
#
#   ./run-pair.sh                          # build, then run
#   SKIP_BUILD=1 ./run-pair.sh             # run the jars already built
#   USER_PORT=9100 POST_PORT=9101 ./run-pair.sh
set -euo pipefail
cd "$(dirname "$0")"

user_port=${USER_PORT:-9000}
post_port=${POST_PORT:-9001}

if [[ -z "${SKIP_BUILD:-}" ]]; then
  echo "run-pair: building the jars (mvn -B -q -DskipTests package)..." >&2
  mvn -B -q -DskipTests package
fi

PORT=$user_port java -jar user-server/target/user-server.jar &
user_pid=$!
PORT=$post_port USER_TARGET=${USER_TARGET:-localhost:$user_port} java -jar post-server/target/post-server.jar &
post_pid=$!

# Background jobs of a script ignore SIGINT, so the servers get SIGTERM, their graceful stop:
# the Post server first, so that its calls in flight can still reach the User server.
stop_both() {
  trap '' INT TERM
  kill -TERM "$post_pid" 2>/dev/null || true
  wait "$post_pid" || post_status=$?
  kill -TERM "$user_pid" 2>/dev/null || true
  wait "$user_pid" || user_status=$?
}
post_status=0
user_status=0
trap 'stop_both; exit $((post_status | user_status))' INT TERM

# Either server exiting on its own (a port in use, say) stops the other.
wait -n "$user_pid" "$post_pid" || true
stop_both
exit $((post_status | user_status))
