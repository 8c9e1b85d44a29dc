package safetext

import (
	"fmt"
	"strings"
	"unicode"
	"unicode/utf8"
)

// Escape makes text from a spec, a registry or an error safe to print on a
// terminal as one line: control characters (C0 including tab and newline,
// DEL, C1), Unicode line and paragraph separators, bidirectional overrides and
// invalid UTF-8 are written as Go escapes (\x1b, \n, \u202e, \xff), so text
// cannot move the cursor, retitle the window, fake a table row or reorder what
// is shown. Printable text, other Unicode included, is unchanged. JSON and
// YAML output need no escaping: their encoders quote control characters.
func Escape(s string) string { return escape(s, false) }

// EscapeText is Escape for multi-line text such as an error listing several
// problems: newlines and tabs are kept, everything else is escaped.
func EscapeText(s string) string { return escape(s, true) }

func escape(s string, keepLines bool) string {
	if isSafe(s, keepLines) {
		return s
	}
	var b strings.Builder
	b.Grow(len(s) + 16)
	for i := 0; i < len(s); {
		r, n := utf8.DecodeRuneInString(s[i:])
		switch {
		case r == utf8.RuneError && n == 1:
			fmt.Fprintf(&b, `\x%02x`, s[i])
		case keepLines && (r == '\n' || r == '\t'):
			b.WriteRune(r)
		case r == '\n':
			b.WriteString(`\n`)
		case r == '\t':
			b.WriteString(`\t`)
		case r == '\r':
			b.WriteString(`\r`)
		case r < 0x80 && unsafeRune(r):
			fmt.Fprintf(&b, `\x%02x`, r)
		case unsafeRune(r):
			fmt.Fprintf(&b, `\u%04x`, r)
		default:
			b.WriteString(s[i : i+n])
		}
		i += n
	}
	return b.String()
}

func isSafe(s string, keepLines bool) bool {
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c >= 0x80 {
			return false // decode it the slow way
		}
		if keepLines && (c == '\n' || c == '\t') {
			continue
		}
		if c < 0x20 || c == 0x7f {
			return false
		}
	}
	return true
}

// unsafeRune reports the runes a terminal or a bidi-aware viewer acts on
// instead of showing.
func unsafeRune(r rune) bool {
	switch {
	case unicode.IsControl(r): // C0, DEL, C1
		return true
	case r == '\u2028', r == '\u2029': // line and paragraph separators
		return true
	case r >= '\u202a' && r <= '\u202e', r >= '\u2066' && r <= '\u2069', r == '\u200e', r == '\u200f', r == '\u061c':
		return true // bidirectional embeddings, overrides, isolates and marks
	}
	return false
}
