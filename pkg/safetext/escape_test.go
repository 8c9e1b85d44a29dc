package safetext

import "testing"

func TestEscape(t *testing.T) {
	for _, tc := range []struct{ in, line, text string }{
		{"gpu", "gpu", "gpu"},
		{"ünïcode ✔", "ünïcode ✔", "ünïcode ✔"},
		{"\x1b]0;pwned\x07title", `\x1b]0;pwned\x07title`, `\x1b]0;pwned\x07title`},
		{"red\x1b[31m", `red\x1b[31m`, `red\x1b[31m`},
		{"a\nb\tc\rd", `a\nb\tc\rd`, "a\nb\tc\\rd"},
		{"\x7f\u009b2J", `\x7f\u009b2J`, `\x7f\u009b2J`},
		{"abc\u202edcba", `abc\u202edcba`, `abc\u202edcba`},
		{"x\u2028y", `x\u2028y`, `x\u2028y`},
		{"bad\xffutf8", `bad\xffutf8`, `bad\xffutf8`},
	} {
		if got := Escape(tc.in); got != tc.line {
			t.Errorf("Escape(%q) = %q, want %q", tc.in, got, tc.line)
		}
		if got := EscapeText(tc.in); got != tc.text {
			t.Errorf("EscapeText(%q) = %q, want %q", tc.in, got, tc.text)
		}
	}
}
