package closest

import "testing"

func TestDistance(t *testing.T) {
	for _, c := range []struct {
		a, b string
		want int
	}{{"", "", 0}, {"", "abc", 3}, {"abc", "", 3}, {"kitten", "sitting", 3}, {"on_error", "on_eror", 1}, {"tags", "tgas", 2}} {
		if got := Distance(c.a, c.b); got != c.want {
			t.Errorf("Distance(%q, %q) = %d, want %d", c.a, c.b, got, c.want)
		}
	}
}

func TestName(t *testing.T) {
	fields := []string{"compatibilities", "matchAny", "matchFeatures", "version"}
	for _, c := range []struct{ name, want string }{
		{"matchfeatures", "matchFeatures"}, // case only
		{"MatchFeature", "matchFeatures"},
		{"versoin", "version"},
		{"matchAll", "matchAny"}, // 2 edits
		{"labels", ""},
		{"", ""},
	} {
		if got := Name(c.name, fields); got != c.want {
			t.Errorf("Name(%q) = %q, want %q", c.name, got, c.want)
		}
	}
	// the first of equally near candidates
	if got := Name("ab", []string{"ax", "ay"}); got != "ax" {
		t.Errorf("Name(ab) = %q, want ax", got)
	}
}
