package bindir

import (
	"encoding/json"
	"fmt"
	"io"

	"github.com/opencontainers/go-digest"
	ocispec "github.com/opencontainers/image-spec/specs-go/v1"

	"github.com/nfd-compat/nfd-compat/pkg/verifier/bindir/wire"
)

// maxDescriptor bounds the descriptor read from stdin.
const maxDescriptor = wire.MaxStdin

// readDescriptor reads the descriptor containerd sends on stdin. When it
// cannot be used, it returns a descriptor with -digest alone and why.
func readDescriptor(stdin io.Reader, mediaType, dgst string) (ocispec.Descriptor, error) {
	fallback := ocispec.Descriptor{Digest: digest.Digest(dgst)}
	if mediaType != ocispec.MediaTypeDescriptor {
		return fallback, fmt.Errorf("stdin media type %q is not %s", mediaType, ocispec.MediaTypeDescriptor)
	}
	b, err := io.ReadAll(io.LimitReader(stdin, maxDescriptor))
	if err != nil {
		return fallback, fmt.Errorf("read descriptor from stdin: %w", err)
	}
	var d ocispec.Descriptor
	if err := json.Unmarshal(b, &d); err != nil {
		return fallback, fmt.Errorf("descriptor on stdin is not JSON: %w", err)
	}
	if dgst != "" && d.Digest.String() != dgst {
		return fallback, fmt.Errorf("descriptor on stdin has digest %s, -digest says %s", d.Digest, dgst)
	}
	return d, nil
}
