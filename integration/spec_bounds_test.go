package integration

import (
	"strings"
	"testing"
	"time"

	"github.com/nfd-compat/nfd-compat/internal/testfiles"
	"github.com/nfd-compat/nfd-compat/internal/testspec"
)

// TestSpecWorkTimeout: a --timeout that runs out while a spec is parsed,
// validated or evaluated stops the command at once with exit 2, names the
// stage, and never calls the spec valid.
func TestSpecWorkTimeout(t *testing.T) {
	file := testfiles.Write(t, t.TempDir(), "worst.yaml", string(testspec.Generate(testspec.Expressions, 10)))
	for _, cmd := range [][]string{
		{"validate-spec", "--file", file},
		{"validate-node", "--spec", file},
	} {
		start := time.Now()
		r := must(t, 2, append(cmd, "--timeout", "1ms")...)
		if took := time.Since(start); took > time.Second {
			t.Errorf("%s took %s with --timeout 1ms", cmd[0], took)
		}
		if !strings.Contains(r.stderr, "gave up after --timeout 1ms") || !strings.Contains(r.stderr, "the spec stopped") {
			t.Errorf("%s: want the timeout and the stage named:\n%s", cmd[0], r.stderr)
		}
		if strings.Contains(r.stdout, "valid") || strings.Contains(r.stderr, "feature discovery") {
			t.Errorf("%s: a verdict or the wrong stage after a timeout:\nstdout:\n%s\nstderr:\n%s", cmd[0], r.stdout, r.stderr)
		}
	}
}

// TestSpecOverLimits: issue 8's spec is refused at once by validate-spec,
// naming the limit.
func TestSpecOverLimits(t *testing.T) {
	dir := t.TempDir()
	for name, data := range map[string][]byte{"attack.yaml": testspec.Attack(), "small.yaml": testspec.SmallAttack()} {
		file := testfiles.Write(t, dir, name, string(data))
		start := time.Now()
		r := must(t, 2, "validate-spec", "--file", file, "--timeout", "10s")
		if took := time.Since(start); took > time.Second {
			t.Errorf("%s: took %s", name, took)
		}
		if !strings.Contains(r.stdout+r.stderr, "more than the limit of") {
			t.Errorf("%s: the limit is not named:\nstdout:\n%s\nstderr:\n%s", name, r.stdout, r.stderr)
		}
	}
}
