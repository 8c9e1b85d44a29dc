package testfiles_test

import (
	"net"
	"path/filepath"
	"testing"

	"github.com/nfd-compat/nfd-compat/internal/testfiles"
)

func TestSocket(t *testing.T) {
	dir := t.TempDir()
	p := testfiles.Socket(t, dir, "run/d/d.sock")
	if p != filepath.Join(dir, "run", "d", "d.sock") {
		t.Fatalf("path = %s", p)
	}
	c, err := net.Dial("unix", p)
	if err != nil {
		t.Fatalf("dial %s: %v", p, err)
	}
	c.Close()
}
