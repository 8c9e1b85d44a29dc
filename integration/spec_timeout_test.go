package integration

import (
	"context"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/nfd-compat/nfd-compat/internal/testimage"
	"github.com/nfd-compat/nfd-compat/internal/testregistry"
)

// TestSpecCommandsTimeout: a registry that stops answering cannot hang the
// spec-artifact commands; each gives up at --timeout with exit 2 and says so.
func TestSpecCommandsTimeout(t *testing.T) {
	st := &stall{match: func(*http.Request) bool { return true }}
	reg := testregistry.Start(t, testregistry.GGCRReferrers, st.middleware)
	p := registryPlace(reg)
	if _, err := testimage.Push(context.Background(), p.store(t, "stuck"), "v1"); err != nil {
		t.Fatal(err)
	}
	ref := p.ref("stuck", "v1")
	st.on.Store(true)
	for _, cmd := range [][]string{
		args("list-specs", p.flags, ref),
		args("get-spec", p.flags, ref),
		args("validate-spec", p.flags, ref),
		args("remove-spec", p.flags, ref),
		args("attach-spec", p.flags, ref, demoSpec),
	} {
		start := time.Now()
		r := must(t, 2, append(cmd, "--timeout", "1s")...)
		if took := time.Since(start); took > 10*time.Second {
			t.Errorf("%s took %s with --timeout 1s", cmd[0], took)
		}
		if !strings.Contains(r.stderr, "gave up after --timeout 1s") {
			t.Errorf("%s: want the timeout named:\n%s", cmd[0], r.stderr)
		}
	}
}
