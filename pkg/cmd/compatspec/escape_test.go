package compatspec_test

import (
	"bytes"
	"context"
	"strings"
	"testing"

	"github.com/nfd-compat/nfd-compat/internal/testimage"
	"github.com/nfd-compat/nfd-compat/pkg/artifact"
	"github.com/nfd-compat/nfd-compat/pkg/cmd/compatspec"
	"github.com/nfd-compat/nfd-compat/pkg/output"
	"github.com/nfd-compat/nfd-compat/pkg/target"
)

// TestSpecTextEscaped: a spec's tag (list-specs' table) and a stored spec
// blob with raw control characters (get-spec, pushed by another tool: it
// is no valid YAML) reach the terminal escaped.
func TestSpecTextEscaped(t *testing.T) {
	ctx := context.Background()
	dir, store, subject := testimage.Layout(t, "app")
	img := target.ImageOptions{Ref: dir + ":app", Target: target.Options{OCILayout: true}}
	hostile := "version: v1alpha1\ncompatibilities:\n- tag: \"gpu\\e[2J\"\n  rules:\n  - name: r\n    matchFeatures:\n    - {feature: cpu.model, matchName: {op: Exists}}\n"
	var out bytes.Buffer
	if err := compatspec.Attach(ctx, compatspec.AttachOptions{Image: img, Spec: []byte(hostile), SpecName: "hostile.yaml", Stdout: &out, Stderr: &out}); err != nil {
		t.Fatal(err)
	}
	out.Reset()
	if err := compatspec.List(ctx, compatspec.ListOptions{Image: img, Output: output.Table, Stdout: &out}); err != nil {
		t.Fatal(err)
	}
	if strings.Contains(out.String(), "\x1b") || !strings.Contains(out.String(), `gpu\x1b[2J:0`) {
		t.Errorf("list-specs table:\n%q", out.String())
	}

	raw := "version: v1alpha1\r\n# \x1b]0;pwned\x07\r\n"
	d, err := artifact.Attach(ctx, store, subject, []byte(raw), artifact.AttachOptions{})
	if err != nil {
		t.Fatal(err)
	}
	out.Reset()
	if err := compatspec.Get(ctx, compatspec.GetOptions{Image: img, Digest: d.Digest.String(), Stdout: &out}); err != nil {
		t.Fatal(err)
	}
	if strings.ContainsAny(out.String(), "\x1b\x07") || !strings.Contains(out.String(), `\x1b]0;pwned\x07`) {
		t.Errorf("get-spec of a blob with control characters: %q", out.String())
	}
	// A clean spec, CRLF line ends included, is printed byte for byte.
	clean := "version: v1alpha1\r\ncompatibilities: []\r\n"
	d, err = artifact.Attach(ctx, store, subject, []byte(clean), artifact.AttachOptions{})
	if err != nil {
		t.Fatal(err)
	}
	out.Reset()
	if err := compatspec.Get(ctx, compatspec.GetOptions{Image: img, Digest: d.Digest.String(), Stdout: &out}); err != nil {
		t.Fatal(err)
	}
	if out.String() != clean {
		t.Errorf("get-spec of a clean spec: %q, want %q", out.String(), clean)
	}
}
