package compatspec

import (
	"context"
	"errors"
	"strings"
	"testing"

	"github.com/nfd-compat/nfd-compat/internal/testspec"
	"github.com/nfd-compat/nfd-compat/pkg/spec"
)

// A validation cut short by its context never calls the spec valid (or
// invalid): it is an error naming the stage, and nothing is printed.
func TestValidateAfterTimeoutIsNoVerdict(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	var out strings.Builder
	err := Validate(ctx, ValidateOptions{File: testspec.Generate(testspec.Regexps, 10), FileName: "spec.yaml", Stdout: &out})
	if !errors.Is(err, context.Canceled) || errors.Is(err, spec.ErrInvalid) {
		t.Fatalf("err = %v, want context.Canceled and not ErrInvalid", err)
	}
	if !strings.Contains(err.Error(), "the spec stopped") || strings.Contains(out.String(), "valid") {
		t.Errorf("err %q, output %q", err, out.String())
	}
}
