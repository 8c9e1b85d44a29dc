package startup

import (
	"os"
	"runtime"
)

func init() {
	if OneProc(os.Args[1:], os.Getenv) {
		runtime.GOMAXPROCS(1)
	}
}

// OneProc reports whether a process run with args (os.Args[1:]) starts on
// one P: `validate-node ...` or `compat validate-node ...`, with no
// GOMAXPROCS in the environment (getenv).
func OneProc(args []string, getenv func(string) string) bool {
	return getenv("GOMAXPROCS") == "" && ValidateNode(args)
}

// ValidateNode reports whether args (os.Args[1:]) run `validate-node` or
// `compat validate-node`.
func ValidateNode(args []string) bool {
	if len(args) > 1 && args[0] == "compat" {
		args = args[1:]
	}
	return len(args) > 0 && args[0] == "validate-node"
}

// AllProcs gives a process that OneProc started on one P the runtime's
// default GOMAXPROCS back (the CPUs it may use, its cgroup's limit
// included, updated as that changes): for work that runs in parallel. It
// does nothing when GOMAXPROCS is set in the environment or the process has
// more than one P already.
func AllProcs() {
	if os.Getenv("GOMAXPROCS") == "" && runtime.GOMAXPROCS(0) == 1 {
		runtime.SetDefaultGOMAXPROCS()
	}
}
