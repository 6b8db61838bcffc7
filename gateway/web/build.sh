#!/usr/bin/env bash
# Regenerates the gateway's browser page script, src/main/resources/web/app.js: gRPC-Web stubs
# generated from the services' protos by protobuf-ts, and app.ts, bundled by esbuild. Not part of
# the Maven build (app.js is committed): run it after changing a proto or app.ts. Needs node and
# npm, and the protoc and protos that the Maven build has already fetched into ~/.m2.
set -euo pipefail
cd "$(dirname "$0")"
m2=${M2_REPO:-$HOME/.m2/repository}
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

npm ci --no-audit --no-fund --loglevel=error
# The protoc of the Maven build (3.25.9), and the imported protos from the jars that carry them.
install -m 755 "$m2/com/google/protobuf/protoc/3.25.9/protoc-3.25.9-linux-x86_64.exe" "$work/protoc"
unzip -q -o "$m2/com/google/protobuf/protobuf-java/3.25.9/protobuf-java-3.25.9.jar" \
  'google/protobuf/*.proto' -d "$work/include"
unzip -q -o "$m2/com/google/api/grpc/proto-google-common-protos/2.64.1/proto-google-common-protos-2.64.1.jar" \
  'google/api/*.proto' -d "$work/include"

rm -rf gen && mkdir gen
"$work/protoc" --plugin=protoc-gen-ts=node_modules/.bin/protoc-gen-ts \
  --ts_out=gen --ts_opt=optimize_code_size \
  -I ../../protos/src/main/proto -I "$work/include" v2/user/user.proto v1/post/post.proto
node_modules/.bin/esbuild app.ts --bundle --minify --format=iife --target=es2020 \
  --legal-comments=none --outfile=../src/main/resources/web/app.js
echo "wrote gateway/src/main/resources/web/app.js ($(wc -c <../src/main/resources/web/app.js) bytes)"
