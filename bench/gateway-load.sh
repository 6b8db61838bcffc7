#!/usr/bin/env bash
# The gateway's cost per request beside the User server's own GetUser, measured in one run
# (docs/gateway.md, "What it costs"). Start the User server and the gateway first, as jars with
# deploy/jvm.options and their output to files (./run-pair.sh works too, its labelled output
# costing a little per log line), then:
#   bench/gateway-load.sh [ROUNDS [REQUESTS]]
# Each round drives, one after the other: gRPC v1.user.User/GetUser on the User server (16
# connections x 8 streams), GET /v2/users/1 on the gateway over h2c (16 x 8) and over HTTP/1.1
# (16 keep-alive connections). CPU per request comes from each process's counters in /proc; a
# round counts only if every answer was a 2xx with the expected bytes. Round 0 warms the JIT up.
# Then, at a steady 5,000 requests/s (16 connections x 313/s, 10 s), the latency percentiles of
# GET /v2/users/1 over HTTP/1.1 and over h2c.
set -euo pipefail
rounds=${1:-3}
n=${2:-200000}
user_port=${USER_PORT:-9000}
gateway_port=${GATEWAY_PORT:-8080}
user_pid=$(pgrep -f 'java.*user-server.jar' | head -1)
gateway_pid=$(pgrep -f 'java.*gateway.jar' | head -1)
request=$(mktemp)
trap 'rm -f "$request"' EXIT
# GetUser {user_id: "1"}, length-prefixed as gRPC frames it.
printf '\x00\x00\x00\x00\x03\x0a\x01\x31' >"$request"

ticks() { awk '{print $14 + $15}' "/proc/$1/stat"; }
per_request() { echo "scale=1; ($2 - $1) * 1000000 / $(getconf CLK_TCK) / $n" | bc; }

run() {
  local name=$1 bytes=$2
  shift 2
  local u0 g0 out u1 g1 ok data
  u0=$(ticks "$user_pid") g0=$(ticks "$gateway_pid")
  out=$(h2load -n "$n" "$@")
  u1=$(ticks "$user_pid") g1=$(ticks "$gateway_pid")
  ok=$(grep -oP '\d+(?= 2xx)' <<<"$out")
  data=$(grep -oP 'traffic: .*?\(\K\d+(?=\) data)' <<<"$out")
  if [[ "$ok" != "$n" || "$data" != $((n * bytes)) ]]; then
    echo "$name: $ok of $n answered 2xx, $data data bytes (expected $((n * bytes))): not counted" >&2
    return
  fi
  printf '%-5s %9s req/s   User CPU %5s us/request   gateway CPU %5s us/request\n' \
    "$name" "$(grep -oP 'finished in .*?, \K[0-9.]+(?= req/s)' <<<"$out")" \
    "$(per_request "$u0" "$u1")" "$(per_request "$g0" "$g1")"
}

henry='{"userMessage":{"userId":"1","name":"Henry","phoneNumber":"01012341234","age":22}}'
for round in $(seq 0 "$rounds"); do
  [[ $round == 0 ]] && echo "round 0 (warm-up):" || echo "round $round:"
  # GetUserResponse for Henry: 5 bytes of frame header, 27 of message.
  run grpc 32 -c 16 -m 8 -H 'content-type: application/grpc' -H 'te: trailers' -d "$request" \
    "http://localhost:$user_port/v1.user.User/GetUser"
  run h2c "${#henry}" -c 16 -m 8 "http://localhost:$gateway_port/v2/users/1"
  run h1 "${#henry}" --h1 -c 16 "http://localhost:$gateway_port/v2/users/1"
done
# Latency at a fixed rate: each request's duration from h2load's log, in microseconds.
latency() {
  local name=$1 log
  shift
  log=$(mktemp)
  h2load -n 50000 -c 16 --rps 313 --log-file="$log" "$@" >/dev/null
  sort -n -t$'\t' -k3 "$log" | awk -F'\t' -v name="$name" '
    { d[NR] = $3; if ($2 < 200 || $2 > 299) bad++ }
    END { printf "%-5s at 5,000 req/s: p50 %.2f ms, p99 %.2f ms, max %.2f ms (%d requests, %d not 2xx)\n",
      name, d[int(NR * 0.5)] / 1000, d[int(NR * 0.99)] / 1000, d[NR] / 1000, NR, bad }'
  rm -f "$log"
}
latency h1 --h1 "http://localhost:$gateway_port/v2/users/1"
latency h2c "http://localhost:$gateway_port/v2/users/1"

echo "peak RSS: User $(awk '/VmHWM/ {print int($2 / 1024)}' "/proc/$user_pid/status") MiB," \
  "gateway $(awk '/VmHWM/ {print int($2 / 1024)}' "/proc/$gateway_pid/status") MiB"
