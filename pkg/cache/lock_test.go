package cache

import (
	"errors"
	"os"
	"path/filepath"
	"testing"
	"time"
)

func TestLock(t *testing.T) {
	dir := t.TempDir()
	p := filepath.Join(dir, ".x.lock")
	unlock, err := Lock(p, time.Second)
	if err != nil {
		t.Fatal(err)
	}
	start := time.Now()
	if _, err := Lock(p, 50*time.Millisecond); !errors.Is(err, ErrLockTimeout) {
		t.Fatalf("second Lock while held: %v, want ErrLockTimeout", err)
	}
	if time.Since(start) > time.Second {
		t.Fatalf("waited %s, past its bound", time.Since(start))
	}
	if err := unlock(); err != nil {
		t.Fatal(err)
	}
	unlock2, err := Lock(p, time.Second)
	if err != nil {
		t.Fatalf("Lock after unlock: %v", err)
	}
	_ = unlock2()

	link := filepath.Join(dir, ".link.lock")
	victim := filepath.Join(t.TempDir(), "victim")
	if err := os.Symlink(victim, link); err != nil {
		t.Fatal(err)
	}
	if _, err := Lock(link, time.Second); err == nil {
		t.Fatal("locked through a symbolic link")
	}
	if _, err := os.Lstat(victim); err == nil {
		t.Fatal("created the link's target")
	}
}
