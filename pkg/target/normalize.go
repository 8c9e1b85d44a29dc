package target

import (
	"fmt"

	"github.com/distribution/reference"
)

// Normalize spells a registry reference in full, as docker, nerdctl and
// containerd's CRI do: "alpine" is docker.io/library/alpine:latest, and a
// reference with both a tag and a digest keeps only the digest.
func Normalize(ref string) (string, error) {
	named, err := reference.ParseDockerRef(ref)
	if err != nil {
		return "", fmt.Errorf("invalid image reference %q: expected [REGISTRY/]REPOSITORY[:TAG|@DIGEST], e.g. docker.io/library/alpine:3.20: %w", ref, err)
	}
	return named.String(), nil
}
