package option

import (
	"errors"
	"strings"
	"testing"
)

// TestLoggerRedactsAndEscapes: -v lines carry registry errors; neither a
// credential they echo nor a control character reaches stderr.
func TestLoggerRedactsAndEscapes(t *testing.T) {
	var out strings.Builder
	l := (&Log{Verbose: true}).Logger(&out)
	l.WithError(errors.New("401: echo Authorization: Bearer eyJhbGciOi.c2VjcmV0.sig")).
		WithField("image", "reg.example/app:v1\x1b]0;pwned\x07").
		Debugf("fetch failed: Basic dXNlcjpwYXNzd29yZA== \x1b[2J")
	got := out.String()
	for _, bad := range []string{"eyJhbGciOi", "dXNlcjpwYXNzd29yZA", "\x1b", "\x07"} {
		if strings.Contains(got, bad) {
			t.Errorf("log line holds %q:\n%s", bad, got)
		}
	}
	if !strings.Contains(got, "<redacted>") {
		t.Errorf("no redaction marker:\n%s", got)
	}
}
