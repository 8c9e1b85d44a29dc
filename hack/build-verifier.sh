#!/usr/bin/env bash
# The one build of the bindir verifier's two binaries: `make build` (so bin/,
# install-verifier.sh and CI) and the tests that build them themselves
# (internal/containerdtest) run this script.
#
#   hack/build-verifier.sh OUTDIR [go build flags...]
#
# writes OUTDIR/nfd-compat-verifier, the client containerd execs once per
# pull (standard library only; cmd/nfd-compat-verifier's TestLinkedDeps),
# with the fallback's path compiled in ($VERIFIER_FALLBACK, default
# /usr/local/sbin/nfd-compat-verifierd, as install-verifier.sh installs
# it), and OUTDIR/nfd-compat-verifierd, the full verifier (resident with
# `serve`, else one-shot). $LDFLAGS are added to both links' -ldflags.
#
# The full verifier links only what a decision needs. Every NFD source package and
# nodefeaturerule import NFD's pkg/utils, whose kubernetes.go imports
# k8s.io/client-go/rest and tools/clientcmd for GetKubeconfig, and whose
# memory_resources.go imports k8s.io/kubernetes/pkg/apis/core/helper; NFD's
# source package links testify through mock_LabelSource.go. A decision
# calls none of them, but their package inits run in every exec. So the
# verifier is built against a build copy of NFD at the version go.mod pins
# (the module cache's files, which `go build -overlay` may not replace),
# with three changes and nothing else:
#   pkg/utils/kubernetes.go        -> hack/verifier/utils-kubernetes.go.in
#                                     (NodeName, GetKubernetesNamespace
#                                     verbatim; GetKubeconfig dropped)
#   pkg/utils/memory_resources.go  removed
#   source/mock_LabelSource.go     removed
# The copy is named by NFD's version and this script's inputs and lives in
# _output/verifier/; -modfile points a copy of go.mod (plus one replace of
# NFD by that directory) and of go.sum at it, so every other module is at the
# version go.mod selects. The build fails if anything linked needs what was
# dropped, and cmd/nfd-compat-verifier's TestLinkedModules fails if the
# binary links client-go, k8s.io/kubernetes or testify (cmd/nfd-compat-verifierd's
# TestLinkedModules).
set -euo pipefail

[ $# -ge 1 ] || { echo "usage: $0 OUTDIR [go build flags...]" >&2; exit 2; }
outdir="$1"
shift
case "$outdir" in /*) ;; *) outdir="$PWD/$outdir" ;; esac
mkdir -p "$outdir"
fallback="${VERIFIER_FALLBACK:-/usr/local/sbin/nfd-compat-verifierd}"
case "$fallback" in /*) ;; *) echo "build-verifier: VERIFIER_FALLBACK=$fallback must be an absolute path" >&2; exit 2 ;; esac
here="$(cd "$(dirname "$0")" && pwd)"
root="$(dirname "$here")"
cd "$root"
go="${GO:-go}"
# -modfile does not mix with workspace mode; -mod=vendor has no vendor/.
export GOWORK=off

nfd_mod=sigs.k8s.io/node-feature-discovery
version="$($go list -m -f '{{.Version}}' "$nfd_mod")"
$go mod download "$nfd_mod@$version"
src="$($go list -m -f '{{.Dir}}' "$nfd_mod")"
[ -d "$src" ] || { echo "build-verifier: $nfd_mod $version is not in the module cache ($src)" >&2; exit 1; }

patch="$here/verifier/utils-kubernetes.go.in"
# What the patched file keeps must be upstream's text: a version bump that
# changes NodeName or GetKubernetesNamespace, or adds to the file, fails
# here rather than building something else.
upstream_kept="$(sed -n '/^var nodeName string$/,$p' "$src/pkg/utils/kubernetes.go" | sed '/^\/\/ GetKubeconfig/,$d')"
ours_kept="$(sed -n '/^var nodeName string$/,$p' "$patch")"
if [ "$(printf '%s\n' "$upstream_kept" | sed -e :a -e '/^\n*$/{$d;N;ba' -e '}')" != "$ours_kept" ] ||
	[ "$(grep -c '^func ' "$src/pkg/utils/kubernetes.go")" != 3 ]; then
	echo "build-verifier: $src/pkg/utils/kubernetes.go is not what $patch was made from; update the latter (all of it but GetKubeconfig, verbatim)" >&2
	exit 1
fi
for f in pkg/utils/memory_resources.go source/mock_LabelSource.go; do
	[ -f "$src/$f" ] || { echo "build-verifier: $src/$f is gone; update $0" >&2; exit 1; }
done

dst="$root/_output/verifier"
mkdir -p "$dst"
key="$(cat "$0" "$patch" | sha256sum | cut -c1-12)"
nfd="$dst/nfd-$version-$key"
if [ ! -d "$nfd" ]; then
	tmp="$(mktemp -d "$dst/.nfd.XXXXXX")"
	chmod 755 "$tmp"
	cp -R "$src/." "$tmp/"
	chmod -R u+w "$tmp"
	cp "$patch" "$tmp/pkg/utils/kubernetes.go"
	rm "$tmp/pkg/utils/memory_resources.go" "$tmp/source/mock_LabelSource.go"
	# Atomic: a concurrent build that got there first keeps its copy.
	mv -T "$tmp" "$nfd" 2>/dev/null || rm -rf "$tmp"
	# Copies of other versions or inputs of this script are stale.
	for old in "$dst"/nfd-*; do
		[ "$old" = "$nfd" ] || rm -rf "$old"
	done
fi

# go.mod and go.sum change with every bump: copied on every build, each
# process its own, so concurrent builds never see a half-written file.
modfile="$(mktemp "$dst/.verifier.XXXXXX")"
trap 'rm -f "$modfile" "$modfile.mod" "$modfile.sum"' EXIT
# Relative to the module root, so the path recorded in the binary is the same
# in every checkout.
{ cat go.mod; printf '\nreplace %s %s => ./%s\n' "$nfd_mod" "$version" "${nfd#"$root/"}"; } >"$modfile.mod"
cp go.sum "$modfile.sum"

CGO_ENABLED=0 $go build -modfile="$modfile.mod" -trimpath -ldflags "${LDFLAGS:-}" "$@" -o "$outdir/nfd-compat-verifierd" ./cmd/nfd-compat-verifierd
# The client links no module at all: the ordinary go.mod is enough.
CGO_ENABLED=0 $go build -trimpath -ldflags "${LDFLAGS:-} -X github.com/nfd-compat/nfd-compat/pkg/verifier/bindir/client.DefaultFallback=$fallback" "$@" \
	-o "$outdir/nfd-compat-verifier" ./cmd/nfd-compat-verifier
