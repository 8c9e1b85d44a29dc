package pull

import "io"

// progressFilter passes nerdctl's progress on, minus control characters
// it did not write itself: the table names images, media types and
// digests the registry chose. On a terminal it keeps the escape sequences
// containerd's progress writer uses (cursor up "ESC[1A", clear line
// "ESC[2K", colours "ESC[0m"/"ESC[31m"/"ESC[32m": final byte A, K or m
// with digit parameters) and carriage returns; elsewhere it drops every
// escape sequence, so a log gets plain text. Newlines and tabs pass; C1
// controls (U+0080-U+009F in UTF-8, which some terminals obey) do not.
type progressFilter struct {
	w   io.Writer
	tty bool
	// esc holds an escape sequence not yet complete (it may span writes).
	esc []byte
	// c2 is set after a 0xC2 byte: a C1 control may follow.
	c2 bool
}

func newProgressFilter(w io.Writer, tty bool) *progressFilter {
	return &progressFilter{w: w, tty: tty}
}

// maxEscape bounds a sequence we wait for; longer ones are dropped.
const maxEscape = 16

func (f *progressFilter) Write(p []byte) (int, error) {
	out := make([]byte, 0, len(p))
	for _, b := range p {
		if len(f.esc) > 0 {
			f.esc = append(f.esc, b)
			switch {
			case len(f.esc) == 2 && b == '[':
			case len(f.esc) > 2 && b >= '0' && b <= '9' && len(f.esc) < maxEscape:
			case len(f.esc) > 2 && (b == 'A' || b == 'K' || b == 'm'):
				if f.tty {
					out = append(out, f.esc...)
				}
				f.esc = f.esc[:0]
			default:
				// Not one of ours: drop what was held, byte included.
				f.esc = f.esc[:0]
			}
			continue
		}
		if f.c2 {
			f.c2 = false
			if b >= 0x80 && b <= 0x9f {
				continue
			}
			out = append(out, 0xc2)
		}
		switch {
		case b == 0xc2:
			f.c2 = true
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
