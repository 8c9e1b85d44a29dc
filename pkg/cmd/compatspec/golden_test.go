package compatspec_test

import (
	"bytes"
	"context"
	"errors"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/nfd-compat/nfd-compat/internal/testfiles"
	"github.com/nfd-compat/nfd-compat/internal/testimage"
	"github.com/nfd-compat/nfd-compat/pkg/cmd/compatspec"
	"github.com/nfd-compat/nfd-compat/pkg/output"
	"github.com/nfd-compat/nfd-compat/pkg/spec"
	"github.com/nfd-compat/nfd-compat/pkg/target"
)

// layoutImage makes a deterministic image with two artifacts in an OCI
// layout, so digests in the golden files are stable.
func layoutImage(t *testing.T) target.ImageOptions {
	t.Helper()
	ctx := context.Background()
	dir, _, _ := testimage.Layout(t, "app")
	img := target.ImageOptions{Ref: dir + ":app", Target: target.Options{OCILayout: true}}
	for i, file := range []string{"../../../examples/kep-example.yaml", "../../../examples/demo-spec.yaml"} {
		data, err := os.ReadFile(file)
		if err != nil {
			t.Fatal(err)
		}
		var out bytes.Buffer
		if err := compatspec.Attach(ctx, compatspec.AttachOptions{
			Image: img, Spec: data, SpecName: file, Created: time.Date(2025, 1, 1+i, 0, 0, 0, 0, time.UTC),
			Stdout: &out, Stderr: &out,
		}); err != nil {
			t.Fatal(err)
		}
	}
	return img
}

func TestGoldenList(t *testing.T) {
	img := layoutImage(t)
	for _, f := range []output.Format{output.Table, output.JSON} {
		var out bytes.Buffer
		if err := compatspec.List(context.Background(), compatspec.ListOptions{Image: img, Output: f, Stdout: &out}); err != nil {
			t.Fatal(err)
		}
		testfiles.Golden(t, filepath.Join("testdata", "list-specs."+string(f)), out.Bytes())
	}
}

func TestGoldenValidateSpec(t *testing.T) {
	broken, err := os.ReadFile("../../spec/testdata/broken.yaml")
	if err != nil {
		t.Fatal(err)
	}
	for _, f := range []output.Format{output.Table, output.JSON, output.YAML} {
		var out bytes.Buffer
		err := compatspec.Validate(context.Background(), compatspec.ValidateOptions{File: broken, FileName: "broken.yaml", Output: f, Stdout: &out})
		if !errors.Is(err, spec.ErrInvalid) {
			t.Fatalf("Validate of a broken spec: %v, want ErrInvalid", err)
		}
		testfiles.Golden(t, filepath.Join("testdata", "validate-spec-broken."+string(f)), out.Bytes())
	}
	var out bytes.Buffer
	if err := compatspec.Validate(context.Background(), compatspec.ValidateOptions{Image: ptr(layoutImage(t)), Output: output.Table, Stdout: &out}); err != nil {
		t.Fatal(err)
	}
	testfiles.Golden(t, filepath.Join("testdata", "validate-spec-image.table"), out.Bytes())
}

func ptr[T any](v T) *T { return &v }
