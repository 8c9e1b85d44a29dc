package target

import (
	"context"
	"strings"
	"testing"

	"github.com/sirupsen/logrus"

	"github.com/nfd-compat/nfd-compat/internal/testlog"
	"github.com/nfd-compat/nfd-compat/internal/testregistry"
)

// containerd's hosts.toml messages go to Options.Log, never to a logger
// the caller's context happens to carry (the old handshake used one).
func TestContainerdLogGoesToOptionsLog(t *testing.T) {
	reg := testregistry.Start(t, testregistry.GGCRReferrers)
	ctx, ctxBuf := testlog.Context(context.Background())

	// A localhost registry without hosts.toml: containerd says, at Info,
	// that it will try HTTPS first.
	optLog, optBuf := testlog.Buffer(logrus.DebugLevel)
	if _, err := Open(ctx, reg.Host+"/app:v1", Options{HostsDir: t.TempDir(), DockerConfig: noCreds(t), Log: optLog}); err != nil {
		t.Fatal(err)
	}
	if got := optBuf.String(); !strings.Contains(got, "will try HTTPS first") || !strings.Contains(got, "level=debug") {
		t.Errorf("Options.Log should get containerd's Info at Debug:\n%s", got)
	}
	// At Info, the caller's log keeps none of it.
	quiet, quietBuf := testlog.Buffer(logrus.InfoLevel)
	if _, err := Open(ctx, reg.Host+"/app:v1", Options{HostsDir: t.TempDir(), DockerConfig: noCreds(t), Log: quiet}); err != nil {
		t.Fatal(err)
	}
	if quietBuf.Len() != 0 {
		t.Errorf("informational containerd messages reached an Info log:\n%s", quietBuf)
	}
	// No Log: the context's logger is still not used.
	if _, err := Open(ctx, reg.Host+"/app:v1", Options{HostsDir: t.TempDir(), DockerConfig: noCreds(t)}); err != nil {
		t.Fatal(err)
	}
	if ctxBuf.Len() != 0 {
		t.Errorf("the context's logger was used:\n%s", ctxBuf)
	}

	// A hosts.toml containerd cannot decode: its error is a warning in Log.
	root := t.TempDir()
	writeHosts(t, root, reg.Host, "server = [\n")
	optBuf.Reset()
	if _, err := Open(ctx, reg.Host+"/app:v1", Options{HostsDir: root, DockerConfig: noCreds(t), Log: optLog}); err != nil {
		t.Fatal(err)
	}
	if got := optBuf.String(); !strings.Contains(got, "failed to decode") || !strings.Contains(got, "level=warning") {
		t.Errorf("Options.Log should get containerd's decode error as a warning:\n%s", got)
	}
}
