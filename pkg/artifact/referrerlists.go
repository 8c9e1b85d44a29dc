package artifact

import (
	"oras.land/oras-go/v2/registry"

	"github.com/nfd-compat/nfd-compat/pkg/target"
)

// repositoryOf is img's REGISTRY/NAME, the key of its reused referrer lists
// (LoadOptions.ReferrerLists), or "" (no reuse) when img.Name is not a
// registry reference.
func repositoryOf(img *target.Image) string {
	ref, err := registry.ParseReference(img.Name)
	if err != nil {
		return ""
	}
	return ref.Registry + "/" + ref.Repository
}
