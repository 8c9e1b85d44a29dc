package features

import (
	"context"
	"testing"
)

func benchmarkDiscover(b *testing.B, sources []string) {
	for b.Loop() {
		if _, err := Discover(context.Background(), DiscoverOptions{Sources: sources}); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkDiscover compares all default sources with the cpu source alone.
func BenchmarkDiscover(b *testing.B) {
	b.Run("all", func(b *testing.B) { benchmarkDiscover(b, nil) })
	b.Run("cpu", func(b *testing.B) { benchmarkDiscover(b, []string{"cpu"}) })
}
