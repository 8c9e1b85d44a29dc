package features

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"testing"

	"github.com/nfd-compat/nfd-compat/internal/testfiles"
)

// TestThisHostFixture checks that this-host.json is what Write makes of a
// Discover with the default sources; -update regenerates it from this host:
//
//	go test ./pkg/features -run TestThisHostFixture -update
func TestThisHostFixture(t *testing.T) {
	path := filepath.Join("testdata", "this-host.json")
	if testfiles.Update() {
		f, err := Discover(context.Background(), DiscoverOptions{})
		if err != nil {
			t.Fatal(err)
		}
		var buf bytes.Buffer
		if err := Write(&buf, f); err != nil {
			t.Fatal(err)
		}
		testfiles.Write(t, "testdata", "this-host.json", buf.String())
	}
	nodes, err := Load(path)
	if err != nil {
		t.Fatal(err)
	}
	if len(nodes) != 1 || nodes[0].Name != "this-host" {
		t.Fatalf("nodes = %+v, want one node this-host", nodes)
	}
	f := nodes[0].Features
	for _, key := range []string{"cpu.model", "kernel.version", "system.osrelease"} {
		if len(f.Attributes[key].Elements) == 0 {
			t.Errorf("%s: attribute %s is empty", path, key)
		}
	}
	if len(f.Flags["cpu.cpuid"].Elements) == 0 {
		t.Errorf("%s: cpu.cpuid is empty", path)
	}
	// Byte format: what Write makes of the loaded features is the file itself.
	var buf bytes.Buffer
	if err := Write(&buf, f); err != nil {
		t.Fatal(err)
	}
	want, _ := os.ReadFile(path)
	if !bytes.Equal(buf.Bytes(), want) {
		t.Errorf("Write(Load(%s)) differs from the file", path)
	}
}
