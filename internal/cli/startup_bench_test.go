package cli

import (
	"context"
	"io"
	"testing"
)

// BenchmarkNewVersion is the in-process part of `nfd-compat version`: building
// every command's flags, then running one. The rest of a process's start is
// the Go runtime and package initialisation (GODEBUG=inittrace=1).
func BenchmarkNewVersion(b *testing.B) {
	b.ReportAllocs()
	for b.Loop() {
		root := New()
		root.SetArgs([]string{"version"})
		root.SetOut(io.Discard)
		if err := root.ExecuteContext(context.Background()); err != nil {
			b.Fatal(err)
		}
	}
}
