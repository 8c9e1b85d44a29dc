package spec

import (
	"os"
	"path/filepath"
	"testing"
)

// FuzzParse checks that no input panics and that every spec Parse accepts
// survives Marshal and a second Parse without errors.
func FuzzParse(f *testing.F) {
	for _, glob := range []string{"testdata/*.yaml", "../../examples/*.yaml"} {
		files, _ := filepath.Glob(glob)
		for _, file := range files {
			if data, err := os.ReadFile(file); err == nil {
				f.Add(data)
			}
		}
	}
	f.Add([]byte(exprSpec(`{op: GtLt, value: ["1", "5"]}`)))
	f.Add([]byte(exprSpec(`{op: Ge, value: ["5.4"], type: version}`)))
	f.Add([]byte(`{"version": "v1alpha1", "compatibilities": [{"rules": [{"name": "r", "matchFeatures": [{"feature": "cpu.model", "matchName": {"op": "Exists"}}]}]}]}`))
	f.Add([]byte("a: &a [*a]\n"))
	f.Fuzz(func(t *testing.T, data []byte) {
		s, problems, err := Parse(data)
		for _, p := range problems {
			if p.Severity != SeverityError && p.Severity != SeverityWarning {
				t.Fatalf("problem with severity %q: %v", p.Severity, p)
			}
		}
		if err != nil {
			return
		}
		if s == nil {
			t.Fatal("no error and no spec")
		}
		out, err := Marshal(s)
		if err != nil {
			t.Fatalf("Marshal: %v", err)
		}
		if _, problems, err := Parse(out); err != nil {
			t.Fatalf("re-parse of\n%s\nfailed: %v\n%s", out, err, dump(problems))
		}
	})
}
