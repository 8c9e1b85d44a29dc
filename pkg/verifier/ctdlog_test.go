package verifier

import (
	"context"
	"strings"
	"testing"

	"github.com/sirupsen/logrus"

	"github.com/nfd-compat/nfd-compat/internal/testlog"
	"github.com/nfd-compat/nfd-compat/internal/testregistry"
	"github.com/nfd-compat/nfd-compat/pkg/policy"
)

// What containerd logs while the verifier reads hosts.toml goes to the
// verifier's log, its Info at Debug, whatever logger the caller's context
// carries (containerd's own, in the plugin): the log keeps one line per
// decision.
func TestContainerdLogInVerifierLog(t *testing.T) {
	reg := testregistry.Start(t, testregistry.GGCRReferrers)
	name, desc := pushImage(t, reg, "app", "v1", "")
	ctx, ctxLog := testlog.Context(context.Background())

	v, h := newVerifier(t, nil)
	if o := v.Decide(ctx, name, desc); o.Verdict == policy.Error {
		t.Fatal(o.Reason)
	}
	if strings.Contains(h.log.String(), "will try HTTPS first") {
		t.Errorf("containerd's Info reached the verifier's Info log:\n%s", h.log)
	}
	if ctxLog.Len() != 0 {
		t.Errorf("the context's logger was used:\n%s", ctxLog.String())
	}

	debug, dbg := testlog.Buffer(logrus.DebugLevel)
	v, err := New(Options{Policy: v.Policy(), Log: debug, Target: docker(t)})
	if err != nil {
		t.Fatal(err)
	}
	if o := v.Decide(ctx, name, desc); o.Verdict == policy.Error {
		t.Fatal(o.Reason)
	}
	mustContain(t, dbg.String(), "level=debug msg=\"host will try HTTPS first")
}
