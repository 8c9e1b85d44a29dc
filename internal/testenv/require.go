package testenv

import (
	"fmt"
	"os"
	"os/exec"
	"testing"
)

// StrictEnv names the variable that .ci/run sets: with it (or with CI=true,
// as CI systems set) a missing required component fails the test.
const StrictEnv = "NFD_COMPAT_NO_SKIP"

// Strict reports whether missing components fail tests instead of skipping
// them.
func Strict() bool {
	return os.Getenv(StrictEnv) == "1" || os.Getenv("CI") == "true"
}

// Missing stops t because a component it needs is not here: a skip with the
// reason, or a failure under CI (see Strict).
func Missing(t testing.TB, format string, args ...any) {
	t.Helper()
	msg := fmt.Sprintf(format, args...)
	if Strict() {
		t.Fatalf("required component missing under CI (%s=1 or CI=true): %s", StrictEnv, msg)
	}
	t.Skip("skipped: " + msg)
}

// Root stops t unless it runs as root, saying what needs it (see Missing).
func Root(t testing.TB, why string) {
	t.Helper()
	if os.Geteuid() != 0 {
		Missing(t, "%s needs root (CI runs as root; run the test with sudo)", why)
	}
}

// GoTool returns the go command's path, stopping t (see Missing) when there
// is none in PATH.
func GoTool(t testing.TB) string {
	t.Helper()
	goBin, err := exec.LookPath("go")
	if err != nil {
		Missing(t, "no go tool in PATH")
	}
	return goBin
}
