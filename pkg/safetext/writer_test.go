package safetext

import (
	"strings"
	"testing"
)

// TestWriter: containerd's progress sequences pass on a terminal, nothing
// else Escape would escape does, even split across writes.
func TestWriter(t *testing.T) {
	const ours = "\x1b[1A\x1b[2K\rlayer\t\x1b[32m+++\x1b[0m|\n"
	const evil = "media\x1b]0;pwned\x07type\x1b[2Jx\x07\x08\xc2\x9b31m\u202egnp\xff y é\xc3\n\xe2\x82z\n"
	for _, c := range []struct {
		tty  bool
		want string
	}{
		{true, ours + "media0;pwnedtypex31mgnp y é\nz\n"},
		{false, "layer\t+++|\n" + "media0;pwnedtypex31mgnp y é\nz\n"},
	} {
		for _, step := range []int{1, 2, 3, 7, len(ours + evil)} {
			var buf strings.Builder
			w := NewWriter(&buf, c.tty)
			in := ours + evil
			for i := 0; i < len(in); i += step {
				end := min(i+step, len(in))
				if n, err := w.Write([]byte(in[i:end])); err != nil || n != end-i {
					t.Fatalf("Write: %d %v", n, err)
				}
			}
			if buf.String() != c.want {
				t.Errorf("tty=%v, writes of %d bytes:\n got %q\nwant %q", c.tty, step, buf.String(), c.want)
			}
		}
	}
}
