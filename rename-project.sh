#!/usr/bin/env bash
# Copies this project into DIR under a name and a Java package of your own, the first step of
# making it the template of your services (docs/template.md says what to keep, replace and delete).
#
#   ./rename-project.sh NAME PACKAGE DIR
#   ./rename-project.sh acme-shop com.acme.shop ../acme-shop
#
# NAME replaces grpc-pair everywhere it names the project: the Maven artifact, the compose project,
# the images (localhost/NAME/user-server), the Kubernetes labels, the docs. PACKAGE replaces
# dev.grpcpair: the Maven groupId, every Java package (and its directories), the protos'
# java_package, the service files. The wire contract (the protos' own packages, v1.user and
# v1.post) does not change, so the copy's servers answer the clients of this one.
#
# Copies the files git tracks, as they are in the working tree, then formats the Java sources
# (their imports sort differently under another package) with the build's own formatter.
set -euo pipefail

usage() {
  echo "usage: $0 NAME PACKAGE DIR   (e.g. $0 acme-shop com.acme.shop ../acme-shop)" >&2
  exit 2
}
[ $# -eq 3 ] || usage
name=$1 package=$2 dest=$3

# NAME is an image path segment, a compose project name and a Kubernetes label value.
if ! [[ $name =~ ^[a-z]([a-z0-9-]{0,48}[a-z0-9])?$ ]]; then
  echo "NAME must be lowercase letters, digits and '-', starting with a letter, not ending with '-', at most 50 characters: '$name'" >&2
  exit 2
fi
if ! [[ $package =~ ^[a-z][a-z0-9_]*(\.[a-z][a-z0-9_]*)+$ ]]; then
  echo "PACKAGE must be a Java package of two or more lowercase parts, like com.acme.shop: '$package'" >&2
  exit 2
fi
if [ -e "$dest" ] && [ -n "$(ls -A "$dest")" ]; then
  echo "$dest exists and is not empty: give a new directory" >&2
  exit 2
fi

root=$(cd "$(dirname "$0")" && pwd)
if ! git -C "$root" rev-parse --is-inside-work-tree >/dev/null 2>&1; then
  echo "$root is not a git checkout: clone the project, then run this from the clone" >&2
  exit 1
fi
mkdir -p "$dest"
dest=$(cd "$dest" && pwd)
path=${package//.//}

# The tracked files, as they are in the working tree (one deleted there is left out), but for this
# script and its test: the copy is a project, not a template.
git -C "$root" ls-files -z |
  while IFS= read -r -d '' file; do
    case $file in
      rename-project.sh | e2e/src/test/java/dev/grpcpair/e2e/RenamedProjectIT.java) ;;
      *) if [ -e "$root/$file" ]; then printf '%s\0' "$file"; fi ;;
    esac
  done |
  tar -C "$root" --null -T - -cf - | tar -C "$dest" -xpf -
copied=$(find "$dest" -type f | wc -l)

# Paths: the Java package's directories (.../dev/grpcpair) and the fuzzers' corpora (folders named
# after their classes, dev.grpcpair.*), each moved whole: thousands of corpus files, a few folders.
# Listed before any moves; moved through a temporary name, since the new path may lie inside the old.
renamed=$(cd "$dest" && find . -type d \( -path '*/dev/grpcpair' -o -name 'dev.grpcpair.*' \))
while IFS= read -r old; do
  [ -n "$old" ] || continue
  new=${old//dev\/grpcpair/$path}
  new=${new//dev.grpcpair/$package}
  mv "$dest/$old" "$dest/$old.renaming"
  mkdir -p "$(dirname "$dest/$new")"
  mv "$dest/$old.renaming" "$dest/$new"
done <<<"$renamed"
find "$dest" -depth -type d -empty -delete

# Contents: text files only (the corpora are bytes).
grep -rIlZ -e 'dev\.grpcpair' -e 'dev/grpcpair' -e 'grpc-pair' "$dest" |
  xargs -0 -r sed -i -e "s/dev\.grpcpair/$package/g" -e "s#dev/grpcpair#$path#g" \
    -e "s/grpc-pair/$name/g"

(cd "$dest" && mvn -B -q spotless:apply)

echo "$dest: $copied files, named $name, package $package."
echo "Next: cd $dest && git init && mvn -B verify; then docs/template.md."
