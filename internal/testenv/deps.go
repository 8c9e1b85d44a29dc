package testenv

import (
	"os/exec"
	"strings"
	"testing"
)

// Deps lists the packages that pkgs link (go list -deps), for tests that
// keep a dependency out of a binary. It skips in -short and stops t through
// Missing when there is no go tool in PATH.
func Deps(t testing.TB, pkgs ...string) []string {
	t.Helper()
	if testing.Short() {
		t.Skip("runs go list")
	}
	out, err := exec.Command(GoTool(t), append([]string{"list", "-deps"}, pkgs...)...).Output()
	if err != nil {
		t.Fatalf("go list -deps %s: %v", strings.Join(pkgs, " "), err)
	}
	return strings.Fields(string(out))
}
