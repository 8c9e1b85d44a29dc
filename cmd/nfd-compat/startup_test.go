package main

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"runtime"
	"strings"
	"testing"
)

const startupPkg = "github.com/nfd-compat/nfd-compat/internal/startup"

// TestStartupInitialisesFirst: internal/startup chooses the scheduler's Ps
// before the packages nfd-compat links initialise, which is what makes it
// worth doing (internal/startup's doc). It relies on Go's initialisation
// order (import-path order, as soon as a package's imports are), so a
// package initialised before it must be one that does no work: the
// standard library's lowest packages, or one whose initialisation
// allocates nothing.
func TestStartupInitialisesFirst(t *testing.T) {
	dir := buildCLI(t, false)
	cmd := exec.Command(filepath.Join(dir, "nfd-compat"), "validate-node", "--spec", "../../examples/demo-spec.yaml", "-o", "json")
	cmd.Env = append(os.Environ(), "GODEBUG=inittrace=1")
	out, err := cmd.CombinedOutput()
	if _, ok := err.(*exec.ExitError); err != nil && !ok {
		t.Fatal(err)
	}
	// init PKG @T ms, D ms clock, B bytes, A allocs
	line := regexp.MustCompile(`(?m)^init (\S+) @\S+ ms, \S+ ms clock, (\d+) bytes`)
	var seen bool
	for _, m := range line.FindAllStringSubmatch(string(out), -1) {
		pkg, bytes := m[1], m[2]
		if pkg == startupPkg {
			seen = true
			break
		}
		std := !strings.Contains(strings.SplitN(pkg, "/", 2)[0], ".")
		if !std && bytes != "0" {
			t.Errorf("%s initialised before %s (allocating %s bytes): rename or move internal/startup so that it sorts first", pkg, startupPkg, bytes)
		}
	}
	if !seen {
		t.Fatalf("no inittrace line for %s: does main import it?\n%s", startupPkg, out)
	}
}

// TestValidateNodeProcs: validate-node of this host runs on one P, fleet
// mode (--features-file) on the runtime's default, and a GOMAXPROCS in the
// environment wins over both. Read from the scheduler's own trace
// (GODEBUG=schedtrace=1: a SCHED line every millisecond).
func TestValidateNodeProcs(t *testing.T) {
	dir := buildCLI(t, false)
	// Enough feature files for the fleet's decoding to outlast a few trace
	// lines.
	nodes := t.TempDir()
	export, err := os.ReadFile("../../pkg/features/testdata/this-host.json")
	if err != nil {
		t.Fatal(err)
	}
	for i := range 300 {
		if err := os.WriteFile(filepath.Join(nodes, fmt.Sprintf("node-%03d.json", i)), export, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	spec := []string{"validate-node", "--spec", "../../examples/demo-spec.yaml", "-o", "json"}
	// want 0 is the runtime's default, as a process without GOMAXPROCS
	// gets it here: more than one P on a machine with more than one CPU
	// (on one CPU it is one P too, and the fleet case proves nothing).
	defer runtime.GOMAXPROCS(runtime.GOMAXPROCS(0))
	t.Setenv("GOMAXPROCS", "")
	runtime.SetDefaultGOMAXPROCS()
	def := runtime.GOMAXPROCS(0)
	for _, c := range []struct {
		name string
		args []string
		env  string
		want int
	}{
		{"this host", spec, "", 1},
		{"this host, GOMAXPROCS set", spec, "GOMAXPROCS=3", 3},
		{"fleet", append(spec, "--features-file", nodes), "", 0},
		{"compat group", []string{"compat", "validate-node", "--spec", "../../examples/demo-spec.yaml", "-o", "json"}, "", 1},
	} {
		t.Run(c.name, func(t *testing.T) {
			cmd := exec.Command(filepath.Join(dir, "nfd-compat"), c.args...)
			cmd.Env = append(os.Environ(), "GOMAXPROCS=", "GODEBUG=schedtrace=1")
			if c.env != "" {
				cmd.Env = append(cmd.Env, c.env)
			}
			out, err := cmd.CombinedOutput()
			if _, ok := err.(*exec.ExitError); err != nil && !ok {
				t.Fatal(err)
			}
			procs := regexp.MustCompile(`(?m)^SCHED \d+ms: gomaxprocs=(\d+)`).FindAllStringSubmatch(string(out), -1)
			if len(procs) < 2 {
				t.Fatalf("fewer than 2 SCHED lines:\n%s", out)
			}
			got := procs[len(procs)-1][1]
			want := c.want
			if want == 0 {
				want = def
			}
			if got != fmt.Sprint(want) {
				t.Errorf("gomaxprocs=%s at the end, want %d (%d: the default is %d):\n%s", got, want, c.want, def, out)
			}
		})
	}
}
