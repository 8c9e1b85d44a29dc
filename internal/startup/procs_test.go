package startup

import (
	"runtime"
	"testing"
)

func TestOneProc(t *testing.T) {
	unset := func(string) string { return "" }
	set := func(k string) string {
		if k == "GOMAXPROCS" {
			return "2"
		}
		return ""
	}
	for _, c := range []struct {
		args   []string
		getenv func(string) string
		want   bool
	}{
		{[]string{"validate-node", "registry.example.com/app:v1"}, unset, true},
		{[]string{"validate-node"}, unset, true},
		{[]string{"compat", "validate-node", "--image", "r/a:v1"}, unset, true},
		{[]string{"validate-node", "r/a:v1"}, set, false},
		{[]string{"compat"}, unset, false},
		{[]string{"compat", "get-spec", "r/a:v1"}, unset, false},
		{[]string{"get-spec", "validate-node"}, unset, false},
		{[]string{"--help", "validate-node"}, unset, false},
		{[]string{"help", "validate-node"}, unset, false},
		{[]string{"schedule"}, unset, false},
		{nil, unset, false},
	} {
		if got := OneProc(c.args, c.getenv); got != c.want {
			t.Errorf("OneProc(%q) = %v, want %v", c.args, got, c.want)
		}
	}
}

// TestAllProcs: a process on one P gets the runtime's default back; one
// the user gave GOMAXPROCS keeps what it has.
func TestAllProcs(t *testing.T) {
	defer runtime.GOMAXPROCS(runtime.GOMAXPROCS(0))
	t.Setenv("GOMAXPROCS", "1")
	runtime.GOMAXPROCS(1)
	AllProcs()
	if got := runtime.GOMAXPROCS(0); got != 1 {
		t.Errorf("with GOMAXPROCS=1 set: AllProcs changed it to %d", got)
	}

	t.Setenv("GOMAXPROCS", "")
	runtime.SetDefaultGOMAXPROCS()
	// On one CPU (or a cgroup limit of one) the default is one P too, and
	// this half proves nothing; it still runs.
	want := runtime.GOMAXPROCS(0)
	runtime.GOMAXPROCS(1)
	AllProcs()
	if got := runtime.GOMAXPROCS(0); got != want {
		t.Errorf("after AllProcs: GOMAXPROCS %d, want the default %d", got, want)
	}
}
