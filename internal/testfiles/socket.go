package testfiles

import (
	"net"
	"os"
	"path/filepath"
	"testing"
)

// Socket listens on a unix socket at name under dir (creating name's
// directories) until the test ends, for code that looks for a daemon's
// socket, and returns the socket's path.
func Socket(t testing.TB, dir, name string) string {
	t.Helper()
	p := filepath.Join(dir, name)
	if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
		t.Fatal(err)
	}
	l, err := net.Listen("unix", p)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { l.Close() })
	return p
}
