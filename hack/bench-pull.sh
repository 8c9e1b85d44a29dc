#!/usr/bin/env bash
# Per-pull overhead of pull-time checks through a real containerd (needs
# root): no verifier, the one-shot verifier in bindir, the shipped layout
# (the nfd-compat-verifier client in bindir asking the resident
# nfd-compat-verifierd; warm caches both), containerd-nfd's built-in plugin,
# and a bindir verifier wrapping upstream `nfd compat validate-node` -- the
# same images from one local registry, in one run. Prints a markdown table
# (median and p90 ms per pull, overhead, registry requests per pull), then
# the start of the client and the one-shot verifier against a static
# hello-world Go binary (interleaved execs), and writes both to
# _output/bench-pull.md.
#
#   make bench-pull                      # or: sudo ./hack/bench-pull.sh
#   PULLS=50 ./hack/bench-pull.sh
#   OTHER_VERIFIER=/abs/path ./hack/bench-pull.sh   # one more column: another
#                                        # build of nfd-compat-verifier (e.g. a
#                                        # plain `go build`), same run
#
# Upstream NFD is built in a scratch module outside this repository (its
# go.mod replaces api/nfd locally, so that module is required explicitly);
# if it cannot build, its row says so and the rest still runs.
set -euo pipefail
cd "$(dirname "$0")/.."

[ "$(id -u)" = 0 ] || { echo "bench-pull: starting containerd needs root (sudo make bench-pull)" >&2; exit 1; }

NFD_VERSION="${NFD_VERSION:-$(go list -m -f '{{.Version}}' sigs.k8s.io/node-feature-discovery)}"
cache="${XDG_CACHE_HOME:-$HOME/.cache}/nfd-compat-test/upstream-nfd-$NFD_VERSION"
nfd="$cache/nfd"
if [ ! -x "$nfd" ]; then
	echo "bench-pull: building upstream nfd $NFD_VERSION in $cache" >&2
	mkdir -p "$cache"
	if ! (
		cd "$cache"
		[ -f go.mod ] || go mod init nfd-upstream-bench >/dev/null 2>&1
		export GOFLAGS=-mod=mod GOWORK=off
		go get "sigs.k8s.io/node-feature-discovery@$NFD_VERSION" "sigs.k8s.io/node-feature-discovery/api/nfd@$NFD_VERSION"
		go build -o nfd.tmp sigs.k8s.io/node-feature-discovery/cmd/nfd
		mv nfd.tmp nfd
	) >"$cache/build.log" 2>&1; then
		echo "bench-pull: upstream nfd did not build; skipping its column:" >&2
		tail -n 5 "$cache/build.log" >&2
		nfd=""
	fi
fi

mkdir -p _output
out="$(pwd)/_output/bench-pull.md"
NFD_COMPAT_BENCH_PULL=1 NFD_COMPAT_UPSTREAM_NFD="$nfd" NFD_COMPAT_BENCH_OTHER_VERIFIER="${OTHER_VERIFIER:-}" NFD_COMPAT_BENCH_PULLS="${PULLS:-30}" NFD_COMPAT_BENCH_OUT="$out" \
	go test -count=1 -timeout 20m -run '^TestContainerdBenchPull$' ./integration/ >"_output/bench-pull.log" 2>&1 || {
	echo "bench-pull: the benchmark failed; see _output/bench-pull.log" >&2
	tail -n 40 _output/bench-pull.log >&2
	exit 1
}
cat "$out"
