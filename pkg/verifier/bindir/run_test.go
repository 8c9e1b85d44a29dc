package bindir

import (
	"context"
	"strings"
	"testing"

	"github.com/nfd-compat/nfd-compat/internal/testfiles"
	"github.com/nfd-compat/nfd-compat/pkg/policy"
)

// TestBinDirRefusalEscaped: what the bindir executable prints as the reason
// when it refuses before any check (bad arguments, unreadable policy) has
// the arguments' control characters escaped too.
func TestBinDirRefusalEscaped(t *testing.T) {
	bad := testfiles.Write(t, t.TempDir(), "config.toml", "[plugins.\"io.containerd.image-verifier.v1.nfd-compat\"]\nmode = \"enforse\"\n")
	env := func(k string) string {
		if k == policy.ConfigEnv {
			return bad
		}
		return ""
	}
	for _, args := range [][]string{
		{"-bogus\x1b[2J"},
		{"-name", "reg.example/app:v1\x1b]0;pwned\x07", "-digest", "sha256:" + strings.Repeat("a", 64)},
	} {
		var stdout, stderr strings.Builder
		code := Run(context.Background(), args, strings.NewReader(""), &stdout, &stderr, env)
		if code != ExitRefuse {
			t.Errorf("%q: exit %d, want %d", args, code, ExitRefuse)
		}
		if strings.ContainsAny(stdout.String()+stderr.String(), "\x1b\x07") || !strings.Contains(stdout.String(), `\x1b`) {
			t.Errorf("%q: reason %q, stderr %q", args, stdout.String(), stderr.String())
		}
	}
}
