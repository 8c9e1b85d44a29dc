package bindir

import (
	"strings"
	"testing"

	"github.com/opencontainers/go-digest"
	ocispec "github.com/opencontainers/image-spec/specs-go/v1"
)

// TestReadDescriptor: the descriptor on stdin is used only when it is what
// containerd says it sends and matches -digest; otherwise -digest alone,
// with why.
func TestReadDescriptor(t *testing.T) {
	d := digest.FromString("index")
	good := `{"mediaType":"` + ocispec.MediaTypeImageIndex + `","digest":"` + d.String() + `","size":10}`
	for _, tc := range []struct {
		name, mediaType, stdin, why string
		full                        bool
	}{
		{"as containerd sends it", ocispec.MediaTypeDescriptor, good, "", true},
		{"other media type", "application/json", good, "is not " + ocispec.MediaTypeDescriptor, false},
		{"not JSON", ocispec.MediaTypeDescriptor, "{", "not JSON", false},
		{"other digest", ocispec.MediaTypeDescriptor, strings.Replace(good, d.String(), digest.FromString("x").String(), 1), "-digest says", false},
		{"too long", ocispec.MediaTypeDescriptor, strings.Repeat(" ", maxDescriptor) + good, "not JSON", false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got, err := readDescriptor(strings.NewReader(tc.stdin), tc.mediaType, d.String())
			if got.Digest != d {
				t.Errorf("digest %s, want %s", got.Digest, d)
			}
			if tc.full != (err == nil) || (err != nil && !strings.Contains(err.Error(), tc.why)) {
				t.Errorf("error %v, want one saying %q", err, tc.why)
			}
			if tc.full != (got.MediaType == ocispec.MediaTypeImageIndex) {
				t.Errorf("media type %q: the stdin descriptor used=%v, want %v", got.MediaType, got.MediaType != "", tc.full)
			}
		})
	}
}
