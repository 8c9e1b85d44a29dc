package testenv

import "testing"

func TestStrict(t *testing.T) {
	for _, c := range []struct {
		strict, ci string
		want       bool
	}{{"", "", false}, {"1", "", true}, {"", "true", true}, {"0", "false", false}} {
		t.Setenv(StrictEnv, c.strict)
		t.Setenv("CI", c.ci)
		if got := Strict(); got != c.want {
			t.Errorf("%s=%q CI=%q: Strict() = %v, want %v", StrictEnv, c.strict, c.ci, got, c.want)
		}
	}
}
