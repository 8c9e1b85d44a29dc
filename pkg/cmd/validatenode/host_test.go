package validatenode_test

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"path/filepath"
	"testing"

	"github.com/nfd-compat/nfd-compat/pkg/cmd/validatenode"
	"github.com/nfd-compat/nfd-compat/pkg/features"
	"github.com/nfd-compat/nfd-compat/pkg/output"
)

// TestHostKernelConfig: this host's run discovers only the features the
// spec names (features.DiscoverOptions.Keep), and kernel.config is among
// them when a rule names it: a spec on one of this host's kconfig options
// with its value is compatible, one with another value is not.
//
// A host without a kconfig of its own (no /proc/config.gz) reads the one
// under the host root: NFD looks for usr/src/linux/.config there.
func TestHostKernelConfig(t *testing.T) {
	ctx := context.Background()
	root := t.TempDir()
	if err := os.MkdirAll(filepath.Join(root, "usr", "src", "linux"), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(root, "usr", "src", "linux", ".config"), []byte("CONFIG_NFD_COMPAT_TEST=y\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	disc := features.DiscoverOptions{Sources: []string{"kernel"}, HostRoot: root}
	f, err := features.Discover(ctx, disc)
	if err != nil {
		t.Fatal(err)
	}
	var opt, val string
	for k, v := range f.Attributes["kernel.config"].Elements {
		if opt == "" || k < opt {
			opt, val = k, v
		}
	}
	if opt == "" {
		t.Fatalf("no kernel.config option discovered, neither this host's /proc/config.gz nor %s/usr/src/linux/.config", root)
	}
	for _, c := range []struct {
		value      string
		compatible bool
	}{{val, true}, {val + "-not", false}} {
		spec := fmt.Sprintf(`version: v1alpha1
compatibilities:
- rules:
  - name: kconfig
    matchFeatures:
    - feature: kernel.config
      matchExpressions:
        %q: {op: In, value: [%q]}
`, opt, c.value)
		var out bytes.Buffer
		err := validatenode.Run(ctx, validatenode.Options{Spec: []byte(spec), SpecName: "spec.yaml", Discover: disc, Output: output.JSON, Stdout: &out})
		if got := err == nil; got != c.compatible {
			t.Errorf("%s = %q: compatible %v (%v), want %v\n%s", opt, c.value, got, err, c.compatible, out.String())
		}
	}
}
