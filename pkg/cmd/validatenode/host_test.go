package validatenode_test

import (
	"bytes"
	"context"
	"fmt"
	"testing"

	"github.com/nfd-compat/nfd-compat/pkg/cmd/validatenode"
	"github.com/nfd-compat/nfd-compat/pkg/features"
	"github.com/nfd-compat/nfd-compat/pkg/output"
)

// TestHostKernelConfig: this host's run discovers only the features the
// spec names (features.DiscoverOptions.Keep), and kernel.config is among
// them when a rule names it: a spec on one of this host's kconfig options
// with its value is compatible, one with another value is not.
func TestHostKernelConfig(t *testing.T) {
	ctx := context.Background()
	f, err := features.Discover(ctx, features.DiscoverOptions{Sources: []string{"kernel"}})
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
		t.Skip("this host has no kconfig (/proc/config.gz, /boot/config-*) to check against")
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
		err := validatenode.Run(ctx, validatenode.Options{Spec: []byte(spec), SpecName: "spec.yaml", Output: output.JSON, Stdout: &out})
		if got := err == nil; got != c.compatible {
			t.Errorf("%s = %q: compatible %v (%v), want %v\n%s", opt, c.value, got, err, c.compatible, out.String())
		}
	}
}
