package integration

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/nfd-compat/nfd-compat/internal/containerdtest"
	"github.com/nfd-compat/nfd-compat/internal/testimage"
	"github.com/nfd-compat/nfd-compat/pkg/verifier/bindir/wire"
)

// Environment of the pull benchmark (hack/bench-pull.sh sets them).
const (
	benchEnv      = "NFD_COMPAT_BENCH_PULL"   // "1" runs it
	benchNFDEnv   = "NFD_COMPAT_UPSTREAM_NFD" // upstream `nfd` binary; empty skips that column
	benchCountEnv = "NFD_COMPAT_BENCH_PULLS"  // pulls per column (default 30)
	benchOutEnv   = "NFD_COMPAT_BENCH_OUT"    // file for the markdown table
	// benchOtherEnv names another build of nfd-compat-verifier (e.g. a plain
	// `go build`, not hack/build-verifier.sh's) for a column of its own;
	// empty leaves it out.
	benchOtherEnv = "NFD_COMPAT_BENCH_OTHER_VERIFIER"
)

// Columns of the bindir verifier: the one-shot verifier in bin_dir (a
// full verifier per pull), the shipped layout (the client in bin_dir asking
// the resident verifier; again with the opt-in referrers_ttl, whose warm
// decision asks the registry nothing), and
// $NFD_COMPAT_BENCH_OTHER_VERIFIER's build.
const (
	oneShotColumn       = "bindir, one-shot (nfd-compat-verifierd per pull)"
	residentColumn      = "bindir + daemon (nfd-compat-verifier client)"
	residentTTLColumn   = "bindir + daemon, referrers_ttl = \"1m\""
	otherVerifierColumn = "nfd-compat-verifier, other build (bindir)"
	builtInColumn       = "containerd-nfd (built-in)"
)

// upstreamWrapper is a bindir verifier that asks upstream NFD's
// `nfd compat validate-node` (its exit code decides): the baseline.
const upstreamWrapper = `#!/bin/sh
name=""
while [ $# -gt 0 ]; do
	case "$1" in -name) name="$2"; shift 2 ;; *) shift ;; esac
done
cat >/dev/null
if %q compat validate-node --image "$name" --plain-http >/dev/null 2>&1; then
	echo "upstream nfd: compatible"
	exit 0
fi
echo "upstream nfd: incompatible or error"
exit 1
`

// benchColumn is one way of running the check.
type benchColumn struct {
	name string
	opts func(bins containerdtest.Bins, dir string) containerdtest.Options
	// note explains a skipped column.
	note string
}

// TestContainerdBenchPull measures per-pull overhead: no verifier, the
// nfd-compat bindir verifier (warm caches), containerd-nfd's built-in
// plugin, and a verifier wrapping upstream `nfd compat validate-node`; all
// on the same images from one registry, in one run. Run by
// hack/bench-pull.sh (make bench-pull); skipped otherwise.
func TestContainerdBenchPull(t *testing.T) {
	if os.Getenv(benchEnv) != "1" {
		t.Skipf("skipped: the pull benchmark runs with %s=1 (make bench-pull)", benchEnv)
	}
	bins := needBins(t, "nfd-compat-verifierd")
	n := 30
	if v := os.Getenv(benchCountEnv); v != "" {
		if _, err := fmt.Sscan(v, &n); err != nil || n < 3 {
			t.Fatalf("%s=%q: want a number >= 3", benchCountEnv, v)
		}
	}
	im := seedImages(t)
	p := registryPlace(im.reg)
	refs := make([]string, n+1) // refs[0] warms caches
	for i := range refs {
		repo := fmt.Sprintf("bench/img%02d", i)
		if _, err := testimage.Push(context.Background(), p.store(t, repo), "v1", testimage.WithContent([]byte(repo))); err != nil {
			t.Fatal(err)
		}
		refs[i] = im.reg.Ref(repo, "v1")
		must(t, 0, "attach-spec", "--plain-http", refs[i], demoSpec)
	}
	pol := &containerdtest.Policy{Mode: "enforce", OnMissing: "allow", OnError: "allow", Timeout: 5 * time.Second}
	columns := []benchColumn{
		{name: "no verifier", opts: func(containerdtest.Bins, string) containerdtest.Options { return containerdtest.Options{} }},
		{name: oneShotColumn, opts: func(b containerdtest.Bins, _ string) containerdtest.Options {
			return containerdtest.Options{Verifiers: []string{b.VerifierD}, Policy: pol}
		}},
		{name: residentColumn, opts: func(b containerdtest.Bins, _ string) containerdtest.Options {
			return containerdtest.Options{Verifiers: []string{b.Verifier}, Policy: pol, Resident: true}
		}},
		{name: residentTTLColumn, opts: func(b containerdtest.Bins, _ string) containerdtest.Options {
			ttl := *pol
			ttl.Extra = `referrers_ttl = "1m"`
			return containerdtest.Options{Verifiers: []string{b.Verifier}, Policy: &ttl, Resident: true}
		}},
	}
	if other := os.Getenv(benchOtherEnv); other != "" {
		if fi, err := os.Stat(other); err != nil || !filepath.IsAbs(other) || fi.Mode()&0o111 == 0 {
			t.Fatalf("%s=%q: want the absolute path of an executable nfd-compat-verifier", benchOtherEnv, other)
		}
		columns = append(columns, benchColumn{name: otherVerifierColumn, opts: func(containerdtest.Bins, string) containerdtest.Options {
			return containerdtest.Options{Verifiers: []string{other}, Policy: pol}
		}})
	}
	if why, missing := bins.Missing["containerd-nfd"]; !missing {
		columns = append(columns, benchColumn{name: builtInColumn, opts: func(b containerdtest.Bins, _ string) containerdtest.Options {
			return containerdtest.Options{Binary: b.ContainerdNFD, Policy: pol}
		}})
	} else {
		columns = append(columns, benchColumn{name: builtInColumn, note: why})
	}
	if nfd := os.Getenv(benchNFDEnv); nfd != "" {
		columns = append(columns, benchColumn{name: "upstream nfd validate-node (bindir)", opts: func(_ containerdtest.Bins, dir string) containerdtest.Options {
			w := filepath.Join(dir, "upstream-nfd")
			if err := os.WriteFile(w, []byte(fmt.Sprintf(upstreamWrapper, nfd)), 0o755); err != nil {
				t.Fatal(err)
			}
			return containerdtest.Options{Verifiers: []string{w}}
		}})
	} else {
		columns = append(columns, benchColumn{name: "upstream nfd validate-node (bindir)", note: "upstream nfd did not build (see hack/bench-pull.sh's output)"})
	}

	// All daemons run at once and every image is pulled into each in
	// turn, so load from elsewhere on the machine hits all columns alike.
	// Two passes: every image's first pull (its artifact never seen), then
	// the same images pulled again (the kubelet's case, CRI verifies every
	// pull: a warm decision, its artifact's manifest and spec cached).
	type run struct {
		col  benchColumn
		d    *containerdtest.Daemon
		ms   [2][]float64
		reqs [2]int64
	}
	var runs []*run
	for _, c := range columns {
		if c.opts == nil {
			runs = append(runs, &run{col: c})
			continue
		}
		d := containerdtest.Start(t, bins, c.opts(bins, t.TempDir()))
		d.TrustPlainHTTP(t, im.reg.Host)
		pullOK(t, d, refs[0]) // warm: features cache, spec blob cache, connections
		runs = append(runs, &run{col: c, d: d})
	}
	var loads [2][2]string
	for pass := range 2 {
		loads[pass][0] = loadAverage(t)
		for _, ref := range refs[1:] {
			for _, r := range runs {
				if r.d == nil {
					continue
				}
				before := im.reg.Requests()
				res := pullOK(t, r.d, ref)
				r.reqs[pass] += im.reg.Requests() - before
				r.ms[pass] = append(r.ms[pass], float64(res.Elapsed.Microseconds())/1000)
			}
		}
		loads[pass][1] = loadAverage(t)
	}

	var table strings.Builder
	for pass, what := range []string{"first pull of each image", "the same images pulled again (warm decision)"} {
		fmt.Fprintf(&table, "%s:\n\n| check | median pull (ms) | p90 (ms) | overhead vs none (ms) | registry requests per pull | extra requests |\n|---|---|---|---|---|---|\n", what)
		var base, baseReq float64
		for _, r := range runs {
			if r.d == nil {
				fmt.Fprintf(&table, "| %s | skipped: %s | | | | |\n", r.col.name, r.col.note)
				continue
			}
			med, p90 := percentile(r.ms[pass], 50), percentile(r.ms[pass], 90)
			perPull := float64(r.reqs[pass]) / float64(n)
			if r.col.name == "no verifier" {
				base, baseReq = med, perPull
			}
			fmt.Fprintf(&table, "| %s | %.1f | %.1f | %+.1f | %.1f | %+.1f |\n", r.col.name, med, p90, med-base, perPull, perPull-baseReq)
			if r.col.name == oneShotColumn || r.col.name == residentColumn || r.col.name == residentTTLColumn || r.col.name == otherVerifierColumn || r.col.name == builtInColumn {
				var dec []float64
				for _, e := range audit(t, r.d) {
					if e.Image != refs[0] {
						dec = append(dec, e.DurationMS)
					}
				}
				// The audit log is in pull order: pass 1's n, then pass 2's.
				dec = dec[min(len(dec), pass*n):min(len(dec), (pass+1)*n)]
				fmt.Fprintf(&table, "| ↳ its decision alone (audit duration_ms) | %.1f | %.1f | | | |\n", percentile(dec, 50), percentile(dec, 90))
			}
		}
		fmt.Fprintf(&table, "\n%d pulls per row (after one warm-up pull; columns interleaved), `ctr image pull` of a ~1 KiB single-layer image from a local registry (referrers API), %s, load average (1, 5, 15 min) %s at the first pull, %s at the last.\n\n",
			n, time.Now().UTC().Format("2006-01-02"), loads[pass][0], loads[pass][1])
	}
	var resident *containerdtest.Daemon
	for _, r := range runs {
		if r.col.name == residentColumn {
			resident = r.d
		}
	}
	table.WriteString("\n" + startTable(t, bins, resident, 10*n))
	t.Log("\n" + table.String())
	if out := os.Getenv(benchOutEnv); out != "" {
		if err := os.WriteFile(out, []byte(table.String()), 0o644); err != nil {
			t.Fatal(err)
		}
	}
}

// loadAverage is the machine's load average (1, 5 and 15 minutes), which
// moves the figures more than anything measured.
func loadAverage(t *testing.T) string {
	b, err := os.ReadFile("/proc/loadavg")
	if err != nil {
		t.Fatal(err)
	}
	f := strings.Fields(string(b))
	if len(f) < 3 {
		t.Fatalf("/proc/loadavg: %q", b)
	}
	return strings.Join(f[:3], " ")
}

func percentile(xs []float64, p int) float64 {
	if len(xs) == 0 {
		return 0
	}
	s := slices.Clone(xs)
	slices.Sort(s)
	i := (len(s)*p + 99) / 100
	return s[max(0, min(len(s)-1, i-1))]
}

// helloWorld is the static hello-world Go program the client's start is
// measured against.
const helloWorld = "package main\n\nimport \"fmt\"\n\nfunc main() { fmt.Println(\"hello, world\") }\n"

// startTable times n interleaved execs each of a static hello-world Go
// binary, the client (-h: its start and one round trip to the resident
// verifier, which prints the usage) and the one-shot verifier (-h: its
// start alone), as containerd execs them (os/exec, stdout and stderr to
// pipes), and returns a markdown table of the medians.
func startTable(t *testing.T, bins containerdtest.Bins, d *containerdtest.Daemon, n int) string {
	t.Helper()
	dir := t.TempDir()
	src := filepath.Join(dir, "hello.go")
	if err := os.WriteFile(src, []byte(helloWorld), 0o644); err != nil {
		t.Fatal(err)
	}
	hello := filepath.Join(dir, "hello")
	cmd := exec.Command("go", "build", "-trimpath", "-o", hello, src)
	cmd.Env = append(os.Environ(), "CGO_ENABLED=0", "GOFLAGS=", "GOWORK=off")
	cmd.Dir = dir
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("build hello-world: %v\n%s", err, out)
	}
	env := append(os.Environ(), wire.SocketEnv+"="+d.VerifierSocket, wire.FallbackEnv+"=/nonexistent")
	type bin struct {
		name, path string
		args       []string
		ms         []float64
	}
	bs := []*bin{
		{name: "hello-world (static Go)", path: hello},
		{name: "nfd-compat-verifier -h (the client: start + a round trip to the daemon)", path: bins.Verifier, args: []string{"-h"}},
		{name: "nfd-compat-verifierd -h (the one-shot verifier's start)", path: bins.VerifierD, args: []string{"-h"}},
	}
	for i := range n + 5 {
		for _, b := range bs {
			c := exec.Command(b.path, b.args...)
			c.Env = env
			var out strings.Builder
			c.Stdout, c.Stderr = &out, &out
			start := time.Now()
			err := c.Run()
			el := time.Since(start)
			if _, exit := err.(*exec.ExitError); err != nil && !exit {
				t.Fatalf("%s: %v", b.path, err)
			}
			if b.path == bins.Verifier && !strings.Contains(out.String(), "Usage: nfd-compat-verifier") {
				t.Fatalf("the client did not get the usage from the daemon: %q", out.String())
			}
			if i >= 5 { // the first are warm-up
				b.ms = append(b.ms, float64(el.Microseconds())/1000)
			}
		}
	}
	var tb strings.Builder
	fmt.Fprintf(&tb, "| exec (os/exec, %d interleaved runs each) | median (ms) | p90 (ms) | vs hello-world |\n|---|---|---|---|\n", n)
	base := percentile(bs[0].ms, 50)
	for _, b := range bs {
		med := percentile(b.ms, 50)
		fmt.Fprintf(&tb, "| %s | %.2f | %.2f | %.1fx |\n", b.name, med, percentile(b.ms, 90), med/base)
	}
	for _, b := range bs {
		if fi, err := os.Stat(b.path); err == nil {
			fmt.Fprintf(&tb, "\n%s: %.1f MB", filepath.Base(b.path), float64(fi.Size())/1e6)
		}
	}
	tb.WriteString("; load average " + loadAverage(t) + " after.\n")
	return tb.String()
}
