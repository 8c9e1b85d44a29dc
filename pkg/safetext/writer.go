package safetext

import (
	"io"
	"unicode/utf8"
)

// Writer passes a stream of terminal output from another program on (such
// as nerdctl's pull progress, whose table shows names, media types and
// digests a registry chose), minus what Escape would escape: C0 and C1
// controls, DEL, line separators, bidi overrides and invalid UTF-8 are
// dropped. Newlines and tabs pass. With tty set it keeps the escape
// sequences containerd's progress writer draws with — cursor up
// ("ESC[1A"), clear line ("ESC[2K"), colours ("ESC[0m", "ESC[32m"): CSI
// with digit parameters and final byte A, K or m — and carriage returns;
// without, those are dropped too, so a log gets plain text. Sequences and
// runes split across writes are handled.
type Writer struct {
	w   io.Writer
	tty bool
	// esc holds an escape sequence not yet complete.
	esc []byte
	// r holds the first bytes of a multi-byte rune.
	r []byte
}

// NewWriter returns a Writer to w.
func NewWriter(w io.Writer, tty bool) *Writer { return &Writer{w: w, tty: tty} }

// maxEscape bounds a sequence we wait for; longer ones are dropped.
const maxEscape = 16

// Write filters p; it reports len(p) written unless w fails.
func (f *Writer) Write(p []byte) (int, error) {
	out := make([]byte, 0, len(p))
	for _, b := range p {
		if len(f.r) > 0 && b < utf8.RuneSelf {
			f.r = f.r[:0] // a rune cut short: drop it, b stands alone
		}
		switch {
		case len(f.esc) > 0:
			out = f.escape(out, b)
		case b >= utf8.RuneSelf:
			out = f.rune(out, b)
		case b == 0x1b:
			f.esc = append(f.esc, b)
		case b == '\n' || b == '\t' || (b == '\r' && f.tty):
			out = append(out, b)
		case b < 0x20 || b == 0x7f:
			// dropped
		default:
			out = append(out, b)
		}
	}
	if _, err := f.w.Write(out); err != nil {
		return 0, err
	}
	return len(p), nil
}

func (f *Writer) escape(out []byte, b byte) []byte {
	f.esc = append(f.esc, b)
	switch n := len(f.esc); {
	case n == 2 && b == '[':
	case n > 2 && b >= '0' && b <= '9' && n < maxEscape:
	case n > 2 && (b == 'A' || b == 'K' || b == 'm'):
		if f.tty {
			out = append(out, f.esc...)
		}
		f.esc = f.esc[:0]
	default:
		// Not one of containerd's: drop what was held, b included.
		f.esc = f.esc[:0]
	}
	return out
}

func (f *Writer) rune(out []byte, b byte) []byte {
	if len(f.r) > 0 && utf8.RuneStart(b) {
		f.r = f.r[:0] // a new rune starts before the held one completed
	}
	f.r = append(f.r, b)
	if !utf8.FullRune(f.r) {
		return out
	}
	r, n := utf8.DecodeRune(f.r)
	if !(r == utf8.RuneError && n <= 1) && n == len(f.r) && !unsafeRune(r) {
		out = append(out, f.r...)
	}
	f.r = f.r[:0]
	return out
}
