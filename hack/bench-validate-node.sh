#!/usr/bin/env bash
# Whole-process validate-node, nfd-compat against upstream `nfd compat
# validate-node`, side by side on the same local registries, image and spec:
# wall time, CPU (user+sys), peak memory (max RSS) and HTTP requests made to
# the registry per invocation, as medians over RUNS alternating runs, and the
# ratio nfd-compat / upstream. On a shared machine only the ratios of one run
# of this script mean something.
#
#   hack/bench-validate-node.sh [RUNS]        # samples per side, default 15
#
# Environment:
#   BATCH         invocations per sample (default 5)
#   NFD_VERSION   upstream version to build (default v0.19.0)
#   KINDS         registries (default ggcr-referrers,distribution: one with
#                 the referrers API, one without; ggcr-tagschema also works)
#   SPEC          spec attached to the images (default examples/demo-spec.yaml)
#   BENCH_DIR     work directory (default _output/bench-validate-node)
#   SPLIT         1: also time hack/benchsplit's programs, "split"
#                 (validate-node's package in a binary of its own) and
#                 "floor" (spec, NFD evaluation and sources, oras-go fetch
#                 only), each as a ratio to upstream: what a validate-node
#                 binary of its own would gain
#   BASELINE      path of another nfd-compat binary (one built from an earlier
#                 commit, say) to time as "baseline" with the same command
#                 as nfd-compat: a before/after in one run
#
# Needs GNU time (/usr/bin/time -v; Debian/Ubuntu: apt-get install -y time),
# GNU coreutils (dd iflag=nocache, sync FILE), curl and Go. The distribution
# registry is built once by internal/testregistry (or set
# NFD_COMPAT_DISTRIBUTION_BIN, as `make test` does).
set -euo pipefail
cd "$(dirname "$0")/.."

runs=${1:-${RUNS:-15}}
batch=${BATCH:-5}
nfd_version=${NFD_VERSION:-v0.19.0}
kinds=${KINDS:-ggcr-referrers,distribution}
spec=${SPEC:-examples/demo-spec.yaml}
work=${BENCH_DIR:-_output/bench-validate-node}
images=(app multi)
split=${SPLIT:-0}

die() { echo "bench-validate-node: $*" >&2; exit 1; }
[[ -x /usr/bin/time ]] && /usr/bin/time -f %e true 2>/dev/null ||
	die "needs GNU time at /usr/bin/time (Debian/Ubuntu: apt-get install -y time)"
command -v curl >/dev/null || die "needs curl"
rm -rf "$work" && mkdir -p "$work"
work=$(cd "$work" && pwd)

# Both sides are built as contrib/Dockerfile ships nfd-compat: static,
# stripped. (A cgo, unstripped build starts several ms slower: dynamic
# loading, and more pages to fault in.)
export CGO_ENABLED=0
build_flags=(-trimpath -ldflags=-s\ -w)
echo "building nfd-compat and the bench registry"
go build "${build_flags[@]}" -o "$work/nfd-compat" ./cmd/nfd-compat
go build -o "$work/benchregistry" ./hack/benchregistry
extra=()
if [[ $split == 1 ]]; then
	go build "${build_flags[@]}" -o "$work/split" ./hack/benchsplit/validatenode
	go build "${build_flags[@]}" -o "$work/floor" ./hack/benchsplit/floor
	extra=(split floor)
fi
if [[ -n ${BASELINE:-} ]]; then
	[[ -x $BASELINE ]] || die "BASELINE=$BASELINE is not an executable"
	cp "$BASELINE" "$work/baseline"
	extra+=(baseline)
fi

# Upstream, in a scratch module outside the repository (its go.mod has a
# replace for api/nfd, so `go install mod@version` cannot build it), cached
# per version.
upstream_cache=${XDG_CACHE_HOME:-$HOME/.cache}/nfd-compat-bench/nfd-$nfd_version-static
nfd=$upstream_cache/nfd
if [[ ! -x $nfd ]]; then
	echo "building upstream nfd $nfd_version (once, into $upstream_cache)"
	mkdir -p "$upstream_cache/src"
	if ! (
		cd "$upstream_cache/src" &&
			printf 'module scratch/nfdbench\n\ngo 1.26\n' >go.mod &&
			export GOFLAGS=-mod=mod GOWORK=off &&
			go get "sigs.k8s.io/node-feature-discovery@$nfd_version" \
				"sigs.k8s.io/node-feature-discovery/api/nfd@$nfd_version" &&
			go build "${build_flags[@]}" -o "$nfd" sigs.k8s.io/node-feature-discovery/cmd/nfd
	) >"$work/upstream-build.log" 2>&1; then
		echo "upstream nfd $nfd_version did not build (see $work/upstream-build.log):" \
			"skipping the upstream side; nfd-compat numbers only"
		nfd=
	fi
fi

# Every timed binary in $work, in the same state in the page cache: how an
# executable's pages were cached moves its start by 1-3 ms (an identical
# copy, measured side by side: one written by the Go linker faults its pages
# in 4 KiB at a time, one written by cp or read back from disk in large
# folios), as much as 0.1x of upstream's time. So each is written by cp,
# dropped from the cache and read back, as a node loads it after a reboot.
tools=(nfd-compat "${extra[@]}")
if [[ -n $nfd ]]; then
	cp "$nfd" "$work/nfd"
	nfd=$work/nfd
	tools+=(nfd)
fi
for tool in "${tools[@]}"; do
	f=$work/$tool
	cp "$f" "$f.tmp" && mv "$f.tmp" "$f"
	sync "$f"
	dd if="$f" iflag=nocache count=0 status=none
	cat "$f" >/dev/null
done

echo "starting registries: $kinds"
"$work/benchregistry" -spec "$spec" -kinds "$kinds" >"$work/registry.out" 2>"$work/registry.err" &
registry_pid=$!
trap 'kill $registry_pid 2>/dev/null; wait $registry_pid 2>/dev/null || true' EXIT
for _ in $(seq 600); do
	grep -qx ready "$work/registry.out" && break
	kill -0 $registry_pid 2>/dev/null || die "bench registry exited: $(cat "$work/registry.err")"
	sleep 0.1
done
grep -qx ready "$work/registry.out" || die "bench registry not ready after 60s: $(cat "$work/registry.err")"
control=$(awk '$1 == "control" {print $2}' "$work/registry.out")

requests() { curl -fsS "$control/requests" | awk -v k="$1" '$1 == k {print $2}'; }

# check TOOL CMD...: one untimed invocation (it also warms the page cache)
# that must give an answer.
check() {
	local tool=$1 code=0
	shift
	"$@" >"$work/$tool.stdout" 2>"$work/$tool.stderr" || code=$?
	# nfd-compat exits 0 for compatible; upstream exits 0 even when it
	# fails, so an answer is judged by its rules.
	[[ $code == 0 ]] && grep -q '"rules"' "$work/$tool.stdout" ||
		die "$tool: $* exited $code: $(tail -3 "$work/$tool.stderr")"
}

# measure TOOL KIND IMAGE RUN CMD...: one sample, $batch invocations in a
# row (GNU time counts in 10 ms steps; a batch makes them finer), as one
# line of results.tsv per invocation: wall and CPU divided by the batch,
# the largest max RSS of the batch, requests divided by the batch.
measure() {
	local tool=$1 kind=$2 image=$3 run=$4 before after
	shift 4
	before=$(requests "$kind")
	/usr/bin/time -f '%e %U %S %M' -o "$work/time.out" \
		sh -c 'n=$1; shift; for _ in $(seq "$n"); do "$@" >/dev/null 2>&1 || exit $?; done' sh "$batch" "$@" ||
		die "$tool: $* failed during the timed runs"
	after=$(requests "$kind")
	read -r wall user sys rss <"$work/time.out"
	awk -v OFS='\t' -v t="$tool" -v k="$kind" -v i="$image" -v r="$run" -v b="$batch" \
		-v w="$wall" -v u="$user" -v s="$sys" -v m="$rss" -v q="$((after - before))" \
		'BEGIN {print t, k, i, r, w / b, (u + s) / b, m, q / b}' >>"$work/results.tsv"
}

printf 'tool\tkind\timage\trun\twall_s\tcpu_s\tmaxrss_kb\trequests\n' >"$work/results.tsv"
for kind in ${kinds//,/ }; do
	host=$(awk -v k="$kind" '$1 == "registry" && $2 == k {print $3}' "$work/registry.out")
	for image in "${images[@]}"; do
		ref=$host/bench/$image:v1
		echo "$kind $image: $runs samples of $batch invocations each, alternating"
		ours=("$work/nfd-compat" validate-node --no-cache --plain-http --output-json "$ref")
		theirs=("$nfd" compat validate-node --plain-http --output-json --image "$ref")
		check nfd-compat "${ours[@]}"
		[[ -n $nfd ]] && check upstream "${theirs[@]}"
		# extra_cmd TOOL: the command line of an extra tool.
		extra_cmd() { [[ $1 == baseline ]] && echo "$work/baseline validate-node --no-cache --plain-http --output-json $ref" || echo "$work/$1 $ref"; }
		for tool in "${extra[@]}"; do
			$(extra_cmd "$tool") >"$work/$tool.stdout" 2>"$work/$tool.stderr" ||
				die "$tool: $ref failed: $(tail -3 "$work/$tool.stderr")"
		done
		for run in $(seq "$runs"); do
			measure nfd-compat "$kind" "$image" "$run" "${ours[@]}"
			[[ -n $nfd ]] && measure upstream "$kind" "$image" "$run" "${theirs[@]}"
			for tool in "${extra[@]}"; do
				measure "$tool" "$kind" "$image" "$run" $(extra_cmd "$tool")
			done
		done
	done
done

fmt() { awk -v v="$1" 'BEGIN {if (v == "-") print v; else printf "%.3f", v}'; }
median() { sort -n | awk '{v[NR] = $1} END {if (NR % 2) print v[(NR + 1) / 2]; else print (v[NR / 2] + v[NR / 2 + 1]) / 2}'; }
col() { awk -F'\t' -v t="$1" -v k="$2" -v i="$3" -v c="$4" '$1 == t && $2 == k && $3 == i {print $c}' "$work/results.tsv" | median; }

echo
echo "per invocation, medians of $runs samples x $batch invocations, alternating; ratio = nfd-compat / upstream nfd $nfd_version"
header=$(printf '%-16s %-6s %-10s %12s %12s %8s' registry image metric nfd-compat upstream ratio)
for tool in "${extra[@]}"; do header+=$(printf ' %12s %8s' "$tool" ratio); done
echo "$header"
# value TOOL KIND IMAGE METRIC COLUMN: the median, max RSS in MiB.
value() {
	local v
	v=$(col "$1" "$2" "$3" "$5")
	[[ $4 == maxrss_MiB && -n $v ]] && v=$(awk -v v="$v" 'BEGIN {printf "%.1f", v / 1024}')
	echo "$v"
}
ratio() { [[ -n $2 ]] && awk -v a="$1" -v b="$2" 'BEGIN {if (b > 0) printf "%.2f", a / b; else print "-"}' || echo -; }
for kind in ${kinds//,/ }; do
	for image in "${images[@]}"; do
		for m in "wall_s 5" "cpu_s 6" "maxrss_MiB 7" "requests 8"; do
			set -- $m
			ours=$(value nfd-compat "$kind" "$image" "$1" "$2")
			theirs=$([[ -n $nfd ]] && value upstream "$kind" "$image" "$1" "$2" || echo "")
			line=$(printf '%-16s %-6s %-10s %12s %12s %8s' "$kind" "$image" "$1" "$(fmt "$ours")" "$(fmt "${theirs:--}")" "$(ratio "$ours" "$theirs")")
			for tool in "${extra[@]}"; do
				v=$(value "$tool" "$kind" "$image" "$1" "$2")
				line+=$(printf ' %12s %8s' "$(fmt "$v")" "$(ratio "$v" "$theirs")")
			done
			echo "$line"
		done
	done
done
echo
echo "per-run data: $work/results.tsv"
