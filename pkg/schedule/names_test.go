package schedule

import (
	"strings"
	"testing"

	"sigs.k8s.io/node-feature-discovery/pkg/apis/nfd/validate"
)

func TestRepoName(t *testing.T) {
	for ref, want := range map[string]string{
		"registry.example.com:5000/team/app:v1":     "team/app",
		"registry.example.com/team/app@sha256:abcd": "team/app",
		"localhost/app":                      "app",
		"library/nginx:1.27":                 "library/nginx",
		"nginx":                              "nginx",
		"ghcr.io/org/sub/app:v1@sha256:abcd": "org/sub/app",
	} {
		if got := RepoName(ref); got != want {
			t.Errorf("RepoName(%q) = %q, want %q", ref, got, want)
		}
	}
}

func TestLabelNames(t *testing.T) {
	long := strings.Repeat("very-long-repository-name/", 5) + "app"
	tags := []string{"prefered", "", "dup", "dup", "Ünïcode tag!", strings.Repeat("x", 80)}
	seen := map[string]bool{}
	for i, part := range setParts(tags) {
		key := DefaultLabelPrefix + "/" + repoPart(long) + "." + part
		if err := validate.Label(key, LabelValue); err != nil {
			t.Errorf("set %d: %q: %v", i, key, err)
		}
		if seen[key] {
			t.Errorf("set %d: %q used twice", i, key)
		}
		seen[key] = true
	}
	if got := setParts(tags); got[0] != "prefered" || got[1] != "set1" || got[2] != "dup-2" || got[3] != "dup-3" || got[4] != "n-code-tag" {
		t.Errorf("set parts %q", got)
	}
	if a, b := repoPart(long), repoPart(long+"2"); a == b || len(a) > repoPartMax {
		t.Errorf("long repository names must stay distinct and short: %q %q", a, b)
	}
	if got := repoPart("team/app"); got != "team-app" {
		t.Errorf("repoPart = %q", got)
	}
}

func TestMapWeight(t *testing.T) {
	for _, tc := range []struct {
		w, top int
		want   int32
	}{
		{10, 10, 100}, {1, 10, 10}, {5, 10, 50}, {0, 10, 1}, {-3, 10, 1}, {1, 1000, 1}, {7, 7, 100}, {2, 7, 29}, {0, 0, 1}, {3, -1, 1},
	} {
		if got := MapWeight(tc.w, tc.top); got != tc.want {
			t.Errorf("MapWeight(%d, %d) = %d, want %d", tc.w, tc.top, got, tc.want)
		}
	}
}
