package integration

import (
	"bytes"
	"context"
	"fmt"
	"strings"
	"testing"

	"github.com/nfd-compat/nfd-compat/internal/cli"
)

// result is one command run.
type result struct {
	stdout, stderr string
	code           int
}

// run runs nfd-compat with args in-process, as main does, with stdin.
func run(t testing.TB, stdin string, args ...string) result {
	t.Helper()
	var out, errb bytes.Buffer
	cmd := cli.New()
	cmd.SetArgs(args)
	cmd.SetOut(&out)
	cmd.SetErr(&errb)
	cmd.SetIn(strings.NewReader(stdin))
	err := cmd.ExecuteContext(context.Background())
	code := cli.ExitCode(err)
	if err != nil && code != cli.ExitIncompatible {
		fmt.Fprintln(&errb, "Error:", err)
	}
	return result{stdout: out.String(), stderr: errb.String(), code: code}
}

// must runs and fails the test unless the exit code is want.
func must(t testing.TB, want int, args ...string) result {
	t.Helper()
	r := run(t, "", args...)
	if r.code != want {
		t.Fatalf("nfd-compat %s: exit %d, want %d\nstdout:\n%s\nstderr:\n%s", strings.Join(args, " "), r.code, want, r.stdout, r.stderr)
	}
	return r
}

// args joins a command, its flags and more arguments.
func args(cmd string, flags []string, rest ...string) []string {
	a := append([]string{cmd}, flags...)
	return append(a, rest...)
}
