package schedule_test

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/nfd-compat/nfd-compat/internal/testfiles"
	"github.com/nfd-compat/nfd-compat/pkg/cmd/schedule"
	"github.com/nfd-compat/nfd-compat/pkg/output"
)

// TestGolden pins what schedule prints for the examples.
func TestGolden(t *testing.T) {
	for _, tc := range []struct {
		spec   string
		format output.Format
	}{
		{"../../../examples/kep-example.yaml", output.YAML},
		{"../../../examples/kep-example.yaml", output.Table},
		{"../../compat/testdata/specs/backrefs.yaml", output.YAML},
		{"../../../examples/gpu-spec.yaml", output.JSON},
	} {
		name := strings.TrimSuffix(filepath.Base(tc.spec), ".yaml") + "." + string(tc.format)
		t.Run(name, func(t *testing.T) {
			data, err := os.ReadFile(tc.spec)
			if err != nil {
				t.Fatal(err)
			}
			var out bytes.Buffer
			if err := schedule.Run(context.Background(), schedule.Options{Spec: data, SpecName: filepath.Base(tc.spec), Repository: "team/app",
				Output: tc.format, Stdout: &out}); err != nil {
				t.Fatal(err)
			}
			testfiles.Golden(t, filepath.Join("testdata", name), out.Bytes())
		})
	}
}
