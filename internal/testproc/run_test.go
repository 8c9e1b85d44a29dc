package testproc_test

import (
	"os"
	"path/filepath"
	"strconv"
	"testing"

	"github.com/nfd-compat/nfd-compat/internal/testproc"
)

const dirEnv = "NFD_COMPAT_TESTPROC_DIR"

// TestHelper writes a file named by its index; it does nothing in a normal
// run, and fails for index 2 when asked to.
func TestHelper(t *testing.T) {
	dir := os.Getenv(dirEnv)
	if dir == "" {
		return
	}
	i := os.Getenv(dirEnv + "_I")
	if i == "2" && os.Getenv(dirEnv+"_FAIL") != "" {
		t.Fatal("asked to fail")
	}
	if err := os.WriteFile(filepath.Join(dir, i), nil, 0o644); err != nil {
		t.Fatal(err)
	}
}

func TestRun(t *testing.T) {
	dir := t.TempDir()
	testproc.Run(t, "TestHelper", 4, func(i int) []string {
		return []string{dirEnv + "=" + dir, dirEnv + "_I=" + strconv.Itoa(i)}
	})
	for i := range 4 {
		if _, err := os.Stat(filepath.Join(dir, strconv.Itoa(i))); err != nil {
			t.Errorf("process %d did not run: %v", i, err)
		}
	}
}

// recorder is a testing.TB that records failures instead of failing.
type recorder struct {
	testing.TB
	errors []string
	failed bool
}

func (r *recorder) Helper()                   {}
func (r *recorder) Errorf(f string, a ...any) { r.errors = append(r.errors, f); r.failed = true }
func (r *recorder) Failed() bool              { return r.failed }
func (r *recorder) FailNow()                  {}

func TestRunReportsAFailedProcess(t *testing.T) {
	dir := t.TempDir()
	r := &recorder{TB: t}
	testproc.Run(r, "TestHelper", 3, func(i int) []string {
		return []string{dirEnv + "=" + dir, dirEnv + "_I=" + strconv.Itoa(i), dirEnv + "_FAIL=1"}
	})
	if len(r.errors) != 1 {
		t.Fatalf("reported %d failures, want 1 (process 2): %v", len(r.errors), r.errors)
	}
}
