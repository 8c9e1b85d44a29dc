package safetext

import (
	"errors"
	"strings"
	"testing"
)

func TestRedact(t *testing.T) {
	const secret = "s3cr3tValue42"
	for _, in := range []string{
		`unauthorized: echo: Authorization: Basic ` + secret + `==`,
		`unauthorized: authorization=Bearer ` + secret,
		`{"token":"` + secret + `","expires_in":300}`,
		`{"access_token": "` + secret + `"}`,
		`GET "https://r.example/token?scope=x&access_token=` + secret + `&y=1"`,
		`https://user:` + secret + `@r.example/v2/`,
		`bad token eyJhbGciOi.` + secret + `.sig`,
		`password=` + secret,
	} {
		got := Redact(in)
		if strings.Contains(got, secret) {
			t.Errorf("Redact(%q) = %q: the secret is still there", in, got)
		}
		if !strings.Contains(got, Redacted) {
			t.Errorf("Redact(%q) = %q: no %s marker", in, got, Redacted)
		}
	}
	for _, keep := range []string{
		"GET \"https://r.example/v2/app/manifests/v1\": response status code 404: manifest unknown",
		"invalid compatibility spec: line 3: compatibilities[0].tag: ...",
		"sha256:1a2b3c",
		"basic credential not found",
		"fetch oauth2 token: GET \"https://auth.example/token\": response status code 401",
	} {
		if got := Redact(keep); got != keep {
			t.Errorf("Redact(%q) = %q, want it unchanged", keep, got)
		}
	}
}

func TestErrorText(t *testing.T) {
	err := errors.New("registry said: Bearer abcdefgh1234\x1b]0;x\x07\nsecond line")
	got := ErrorText(err)
	want := "registry said: Bearer " + Redacted + `\x1b]0;x\x07` + "\nsecond line"
	if got != want {
		t.Errorf("ErrorText = %q, want %q", got, want)
	}
}

// TestLine: a line of outside text loses both its secrets and its control
// characters, newlines included.
func TestLine(t *testing.T) {
	got := Line("Authorization: Bearer abc.def.ghi\n\x1b[2Jnext")
	if strings.Contains(got, "abc.def.ghi") || strings.ContainsAny(got, "\n\x1b") {
		t.Errorf("Line = %q: a secret or a control character got through", got)
	}
}
