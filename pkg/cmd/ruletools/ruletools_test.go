package ruletools_test

import (
	"bytes"
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/nfd-compat/nfd-compat/internal/testfiles"
	"github.com/nfd-compat/nfd-compat/pkg/cmd/ruletools"
	"github.com/nfd-compat/nfd-compat/pkg/output"
)

const features = "../../features/testdata/"

func file(t *testing.T, name string) ruletools.File {
	t.Helper()
	data, err := os.ReadFile(filepath.Join("testdata", name))
	if err != nil {
		t.Fatal(err)
	}
	return ruletools.File{Name: name, Data: data}
}

func TestValidate(t *testing.T) {
	for _, tc := range []struct {
		file    string
		format  output.Format
		strict  bool
		wantErr error
	}{
		{"valid.yaml", output.Table, false, nil},
		{"valid.yaml", output.JSON, false, nil},
		{"broken.yaml", output.Table, false, ruletools.ErrInvalid},
		{"broken.yaml", output.JSON, false, ruletools.ErrInvalid},
		{"runtime-broken.yaml", output.Table, false, nil},
		{"warnings.yaml", output.Table, false, nil},
		{"warnings.yaml", output.Table, true, ruletools.ErrInvalid},
	} {
		name := strings.TrimSuffix(tc.file, ".yaml") + "." + string(tc.format)
		if tc.strict {
			name += ".strict"
		}
		t.Run(name, func(t *testing.T) {
			var out bytes.Buffer
			err := ruletools.Validate(context.Background(), ruletools.ValidateOptions{
				Files: []ruletools.File{file(t, tc.file)}, Strict: tc.strict, Output: tc.format, Stdout: &out})
			if !errors.Is(err, tc.wantErr) || (tc.wantErr == nil) != (err == nil) {
				t.Fatalf("err = %v, want %v", err, tc.wantErr)
			}
			testfiles.Golden(t, filepath.Join("testdata", "golden", "validate-"+name), out.Bytes())
		})
	}
}

func TestDryRun(t *testing.T) {
	for _, tc := range []struct {
		name     string
		rules    string
		features string
		format   output.Format
		wantErr  error
	}{
		{"worker-1", "valid.yaml", "nodefeature.yaml", output.Table, nil},
		{"worker-1", "valid.yaml", "nodefeature.yaml", output.JSON, nil},
		{"list", "valid.yaml", "nodefeature-list.json", output.YAML, nil},
		{"exported-arm64", "valid.yaml", "arm64.json", output.Table, nil},
		{"runtime-broken", "runtime-broken.yaml", "nodefeature.yaml", output.Table, ruletools.ErrRejected},
		{"broken", "broken.yaml", "nodefeature.yaml", output.Table, ruletools.ErrInvalid},
	} {
		t.Run(tc.name+"."+string(tc.format), func(t *testing.T) {
			var out bytes.Buffer
			err := ruletools.DryRun(context.Background(), ruletools.DryRunOptions{
				Rules: []ruletools.File{file(t, tc.rules)}, FeatureFiles: []string{features + tc.features},
				Output: tc.format, Stdout: &out})
			if !errors.Is(err, tc.wantErr) || (tc.wantErr == nil) != (err == nil) {
				t.Fatalf("err = %v, want %v", err, tc.wantErr)
			}
			got := out.String()
			if err != nil && got == "" {
				got = err.Error() + "\n"
			}
			testfiles.Golden(t, filepath.Join("testdata", "golden", "dryrun-"+tc.name+"."+string(tc.format)), []byte(got))
		})
	}
}
