#!/usr/bin/env bash
# The README's demo: build an image in an OCI layout, then attach, list, get,
# validate and remove a compatibility spec. No registry or daemon needed.
set -euo pipefail
cd "$(dirname "$0")/.."
nfd=./bin/nfd-compat
out=_output/demo
rm -rf "$out" && mkdir -p "$out"
layout="$out/layout"

step() { printf '\n\033[1m$ %s\033[0m\n' "$*"; "$@"; }

step go run ./hack/mkimage -oci-layout "$layout" -tag app -platforms linux/amd64,linux/arm64
step $nfd validate-spec --file examples/demo-spec.yaml
step $nfd attach-spec --oci-layout "$layout:app" examples/demo-spec.yaml
step $nfd list-specs --oci-layout "$layout:app"
step $nfd get-spec --oci-layout "$layout:app"
step $nfd validate-spec --oci-layout "$layout:app"
step $nfd validate-node --oci-layout "$layout:app" --no-color

printf '\nA spec on the linux/amd64 manifest wins over the index'"'"'s for amd64 hosts:\n'
step $nfd attach-spec --oci-layout "$layout:app" --platform linux/amd64 examples/gpu-spec.yaml
step $nfd list-specs --oci-layout "$layout:app" --platform linux/amd64
set +e
step $nfd validate-node --oci-layout "$layout:app" --platform linux/amd64 --no-color
echo "exit $? (1 = incompatible)"
set -e
step $nfd remove-spec --oci-layout "$layout:app" --platform linux/amd64
step $nfd remove-spec --oci-layout "$layout:app"
printf '\nexit code for an image without artifact (3):\n'
set +e; $nfd list-specs --oci-layout "$layout:app" >/dev/null; echo "exit $?"; set -e
printf '\ndemo done: layout in %s\n' "$layout"
