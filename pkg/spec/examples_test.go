package spec

import (
	"os"
	"path/filepath"
	"slices"
	"testing"
)

func TestExamplesAreValid(t *testing.T) {
	tests := []struct {
		file    string
		sets    int
		tags    []string
		domains []string
	}{
		{"kep-example.yaml", 2, []string{"prefered", "fallback"}, []string{"cpu", "kernel"}},
		{"nfd-docs-example.yaml", 1, []string{""}, []string{"cpu", "kernel", "pci"}},
		{"demo-spec.yaml", 2, []string{"demo", "minimal"}, []string{"cpu", "kernel", "system"}},
	}
	for _, tt := range tests {
		t.Run(tt.file, func(t *testing.T) {
			data, err := os.ReadFile(filepath.Join("..", "..", "examples", tt.file))
			if err != nil {
				t.Fatal(err)
			}
			s, problems, err := Parse(data)
			if err != nil || len(problems) != 0 {
				t.Fatalf("err = %v, problems:\n%s", err, dump(problems))
			}
			if len(s.Compatibilties) != tt.sets {
				t.Fatalf("%d sets, want %d", len(s.Compatibilties), tt.sets)
			}
			var tags []string
			for _, c := range s.Compatibilties {
				tags = append(tags, c.Tag)
			}
			if !slices.Equal(tags, tt.tags) {
				t.Errorf("tags %q, want %q", tags, tt.tags)
			}
			if got := Domains(s); !slices.Equal(got, tt.domains) {
				t.Errorf("Domains = %q, want %q", got, tt.domains)
			}
		})
	}
}

// The KEP's example keeps upstream's spelling "Amd" and its weights.
func TestKEPExampleContent(t *testing.T) {
	data, err := os.ReadFile(filepath.Join("..", "..", "examples", "kep-example.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	s, _, err := Parse(data)
	if err != nil {
		t.Fatal(err)
	}
	if w := s.Compatibilties[0].Weight; w != 10 {
		t.Errorf("prefered weight %d, want 10", w)
	}
	e := (*s.Compatibilties[1].Rules[0].MatchFeatures[0].MatchExpressions)["vendor_id"]
	if !slices.Equal([]string(e.Value), []string{"Intel", "Amd"}) {
		t.Errorf("fallback vendor_id values %q", e.Value)
	}
}
