package metrics

import (
	"bytes"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"sync"
	"testing"
	"time"

	"github.com/nfd-compat/nfd-compat/internal/testproc"
	"github.com/nfd-compat/nfd-compat/pkg/cache"
)

func decision(i int) Decision {
	verdicts := []string{"compatible", "incompatible", "missing", "error", "skipped"}
	return Decision{Mode: "enforce", Verdict: verdicts[i%len(verdicts)], Allow: i%len(verdicts) != 1,
		Duration: time.Duration(i%7) * time.Millisecond}
}

func readBack(t *testing.T, path string) (Snapshot, int) {
	t.Helper()
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	s := NewSet()
	skipped, err := s.ReadText(bytes.NewReader(data))
	if err != nil {
		t.Fatal(err)
	}
	return s.Snapshot(), skipped
}

func total(s Snapshot) uint64 {
	var n uint64
	for _, v := range s.Decisions {
		n += v
	}
	return n
}

// TestTextfileConcurrent: many writers at once, each with its own lock
// descriptor as separate processes have, lose no count, and a reader
// never sees a torn file.
func TestTextfileConcurrent(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "cache")
	const writers, each = 16, 20
	var wg sync.WaitGroup
	errs := make(chan error, writers*each)
	stop := make(chan struct{})
	readerDone := make(chan string)
	path := (&Textfile{Dir: dir}).Path()
	go func() { // a node_exporter reading while the writers write
		var problem string
		var last uint64
		for {
			select {
			case <-stop:
				readerDone <- problem
				return
			default:
			}
			data, err := os.ReadFile(path)
			if errors.Is(err, os.ErrNotExist) {
				continue
			}
			s := NewSet()
			skipped, err := s.ReadText(bytes.NewReader(data))
			n := total(s.Snapshot())
			if err != nil || skipped > 0 || n < last || !bytes.HasSuffix(data, []byte("\n")) {
				problem = fmt.Sprintf("torn or shrinking read: err %v, %d skipped, %d after %d", err, skipped, n, last)
			}
			last = n
		}
	}()
	for w := 0; w < writers; w++ {
		wg.Add(1)
		go func(w int) {
			defer wg.Done()
			tf := &Textfile{Dir: dir, LockWait: testLockWait}
			for i := 0; i < each; i++ {
				errs <- tf.Add(decision(w*each + i))
			}
		}(w)
	}
	wg.Wait()
	close(stop)
	if p := <-readerDone; p != "" {
		t.Error(p)
	}
	close(errs)
	for err := range errs {
		if err != nil {
			t.Fatal(err)
		}
	}
	snap, skipped := readBack(t, path)
	if got := total(snap); got != writers*each || skipped != 0 {
		t.Fatalf("%d decisions counted (%d lines skipped), want %d", got, skipped, writers*each)
	}
	if h := snap.Durations["enforce"]; h.Count != writers*each {
		t.Fatalf("histogram count %d, want %d", h.Count, writers*each)
	}
	want := NewSet()
	for i := 0; i < writers*each; i++ {
		want.ObserveDecision(decision(i))
	}
	if w := want.Snapshot(); fmt.Sprint(w.Decisions) != fmt.Sprint(snap.Decisions) {
		t.Fatalf("counts %v, want %v", snap.Decisions, w.Decisions)
	}
}

const helperEnv = "NFD_COMPAT_METRICS_TEST_DIR"

// TestTextfileHelperProcess is a verifier process of
// TestTextfileProcesses; it does nothing in a normal run.
func TestTextfileHelperProcess(t *testing.T) {
	dir := os.Getenv(helperEnv)
	if dir == "" {
		return
	}
	n, _ := strconv.Atoi(os.Getenv(helperEnv + "_N"))
	tf := &Textfile{Dir: dir, LockWait: testLockWait}
	for i := 0; i < n; i++ {
		if err := tf.Add(decision(i)); err != nil {
			t.Fatal(err)
		}
	}
}

// TestTextfileProcesses: separate processes (as containerd runs one
// verifier per pull) lose no count.
func TestTextfileProcesses(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "cache")
	const procs, each = 8, 25
	testproc.Run(t, "TestTextfileHelperProcess", procs, func(int) []string {
		return []string{helperEnv + "=" + dir, helperEnv + "_N=" + strconv.Itoa(each)}
	})
	snap, _ := readBack(t, (&Textfile{Dir: dir}).Path())
	if got := total(snap); got != procs*each {
		t.Fatalf("%d decisions counted, want %d", got, procs*each)
	}
}

// TestTextfileTrust: nothing is written through a planted link or into a
// cache_dir another user could write.
func TestTextfileTrust(t *testing.T) {
	t.Run("metrics dir is a link", func(t *testing.T) {
		dir, elsewhere := t.TempDir(), t.TempDir()
		if err := os.Symlink(elsewhere, filepath.Join(dir, cache.MetricsDir)); err != nil {
			t.Fatal(err)
		}
		err := (&Textfile{Dir: dir}).Add(decision(0))
		if !errors.Is(err, cache.ErrUntrusted) {
			t.Fatalf("err = %v, want ErrUntrusted", err)
		}
		if entries, _ := os.ReadDir(elsewhere); len(entries) != 0 {
			t.Fatalf("wrote through the link: %v", entries)
		}
	})
	t.Run("textfile is a link", func(t *testing.T) {
		dir := t.TempDir()
		target := filepath.Join(t.TempDir(), "victim")
		if err := os.WriteFile(target, []byte("keep\n"), 0o600); err != nil {
			t.Fatal(err)
		}
		if err := os.MkdirAll(filepath.Join(dir, cache.MetricsDir), 0o700); err != nil {
			t.Fatal(err)
		}
		tf := &Textfile{Dir: dir}
		if err := os.Symlink(target, tf.Path()); err != nil {
			t.Fatal(err)
		}
		if err := tf.Add(decision(0)); err == nil {
			t.Fatal("read a textfile through a symbolic link")
		}
		if b, _ := os.ReadFile(target); string(b) != "keep\n" {
			t.Fatalf("link target changed: %q", b)
		}
	})
	t.Run("cache_dir writable by others", func(t *testing.T) {
		dir := t.TempDir()
		if err := os.Chmod(dir, 0o777); err != nil {
			t.Fatal(err)
		}
		err := (&Textfile{Dir: dir}).Add(decision(0))
		if !errors.Is(err, cache.ErrUntrusted) {
			t.Fatalf("err = %v, want ErrUntrusted", err)
		}
		if _, err := os.Lstat(filepath.Join(dir, cache.MetricsDir)); err == nil {
			t.Fatal("created the metrics directory in an untrusted cache_dir")
		}
	})
	t.Run("garbage file is replaced, not fatal", func(t *testing.T) {
		dir := t.TempDir()
		tf := &Textfile{Dir: dir}
		if err := tf.Add(decision(0)); err != nil {
			t.Fatal(err)
		}
		data, _ := os.ReadFile(tf.Path())
		garbage := append(data[:len(data)/2:len(data)/2], "\x00\x1b[31m}{ nfd_compat_decisions_total{decision=\"allow\" 1e9\n"...)
		if err := os.WriteFile(tf.Path(), garbage, 0o644); err != nil {
			t.Fatal(err)
		}
		if err := tf.Add(decision(0)); err != nil {
			t.Fatal(err)
		}
		snap, skipped := readBack(t, tf.Path())
		if skipped != 0 || total(snap) < 1 || total(snap) > 2 {
			t.Fatalf("after a torn file: %d decisions, %d skipped lines", total(snap), skipped)
		}
	})
}

// BenchmarkTextfileAdd is what a decision of the bindir verifier pays
// for its metrics: lock, read, add, write, rename.
func BenchmarkTextfileAdd(b *testing.B) {
	tf := &Textfile{Dir: filepath.Join(b.TempDir(), "cache")}
	for i := 0; i < b.N; i++ {
		if err := tf.Add(decision(i)); err != nil {
			b.Fatal(err)
		}
	}
}

// testLockWait is the lock wait of the concurrency tests: they assert that
// no count is lost, which on a loaded machine can take longer than the
// one second a real decision waits before it gives up its count.
const testLockWait = time.Minute
