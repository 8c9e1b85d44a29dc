//go:build unix

package features

import (
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"
)

// BenchmarkLoadPaths compares, on one directory of 1,000 exported features
// (cycling through the JSON fixtures, one of them a real 84 KB export):
// "one-by-one", Load on each file in order (what LoadPaths did before it
// decoded concurrently); "concurrent", LoadPaths; and "keep", LoadPathsKeeping
// with the few features a GPU spec names (what validate-node's fleet mode
// does). Run them side by side (-count) on a busy machine: only the ratios
// mean something.
func BenchmarkLoadPaths(b *testing.B) {
	dir := b.TempDir()
	const n = 1000
	writeBenchFleet(b, dir, n)
	files, err := expandPath(dir)
	if err != nil {
		b.Fatal(err)
	}
	gpu := map[string]bool{"pci.device": true, "kernel.loadedmodule": true}
	cases := []struct {
		name string
		load func() (int, error)
	}{
		{"one-by-one", func() (int, error) {
			total := 0
			for _, f := range files {
				nodes, err := Load(f)
				if err != nil {
					return 0, err
				}
				total += len(nodes)
			}
			return total, nil
		}},
		{"concurrent", func() (int, error) {
			nodes, err := LoadPaths([]string{dir})
			return len(nodes), err
		}},
		{"keep", func() (int, error) {
			nodes, err := LoadPathsKeeping([]string{dir}, func(f string) bool { return gpu[f] })
			return len(nodes), err
		}},
	}
	for _, c := range cases {
		b.Run(c.name, func(b *testing.B) {
			cpu0 := cpuTime(b)
			for b.Loop() {
				got, err := c.load()
				if err != nil {
					b.Fatal(err)
				}
				if got != n {
					b.Fatalf("loaded %d nodes, want %d", got, n)
				}
			}
			b.ReportMetric(float64(n*b.N)/b.Elapsed().Seconds(), "files/s")
			b.ReportMetric((cpuTime(b)-cpu0).Seconds()/float64(b.N), "cpu-s/op")
		})
	}
}

// cpuTime is the process's user+system CPU time so far: on a shared machine
// it varies less than wall time.
func cpuTime(b *testing.B) time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		b.Fatal(err)
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// writeBenchFleet writes n exported-features files, cycling through the JSON
// fixtures with a different kernel minor version each.
func writeBenchFleet(b *testing.B, dir string, n int) {
	b.Helper()
	var base []*Features
	for _, name := range []string{"this-host.json", "nvidia-gpu.json", "arm64.json", "old-kernel.json"} {
		nodes, err := Load(filepath.Join("testdata", name))
		if err != nil {
			b.Fatal(err)
		}
		base = append(base, nodes[0].Features)
	}
	for i := range n {
		f := base[i%len(base)].DeepCopy()
		s := f.Attributes["kernel.version"]
		if s.Elements == nil {
			s.Elements = map[string]string{}
		}
		s.Elements["minor"] = strconv.Itoa(i % 20)
		f.Attributes["kernel.version"] = s
		var sb strings.Builder
		if err := Write(&sb, f); err != nil {
			b.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(dir, fmt.Sprintf("node-%04d.json", i)), []byte(sb.String()), 0o644); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkDecodeExport splits the cost of decoding one real export (84 KB):
// "file" is what Load does (one pass, decodeExport), "file-keep" what
// LoadPathsKeeping does for a GPU spec (only two feature sets decoded, the
// others shape-checked), "strict-only" a plain strict decode of the whole
// file, the floor "file" should be at.
func BenchmarkDecodeExport(b *testing.B) {
	data, err := os.ReadFile(filepath.Join("testdata", "this-host.json"))
	if err != nil {
		b.Fatal(err)
	}
	b.Run("file", func(b *testing.B) {
		b.SetBytes(int64(len(data)))
		for b.Loop() {
			if _, err := decodeFile(data); err != nil {
				b.Fatal(err)
			}
		}
	})
	// What LoadPathsKeeping does for a GPU spec: the one pass keeps two features.
	gpu := func(f string) bool { return f == "pci.device" || f == "kernel.loadedmodule" }
	b.Run("file-keep", func(b *testing.B) {
		b.SetBytes(int64(len(data)))
		for b.Loop() {
			if _, err := decodeFileKeeping(data, gpu); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("strict-only", func(b *testing.B) {
		b.SetBytes(int64(len(data)))
		for b.Loop() {
			var f Features
			if err := strictUnmarshal(data, &f); err != nil {
				b.Fatal(err)
			}
		}
	})
}
