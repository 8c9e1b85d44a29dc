package verifier

import (
	"sync"

	"github.com/nfd-compat/nfd-compat/pkg/spec"
)

// maxSpecs bounds the parsed specs a long-lived Verifier keeps; past it the
// memory starts over (an image set of a node is far smaller).
const maxSpecs = 512

// specCache keeps parsed specs by artifact manifest digest. The manifest
// names its spec blob by digest and both are verified on fetch, so the same
// artifact digest always means the same spec: an entry never goes stale.
// Only valid specs are kept (an invalid one is a remembered failure).
// Parsed specs are only read by evaluation, so they are shared.
type specCache struct {
	mu    sync.Mutex
	specs map[string]*spec.Spec
}

func (c *specCache) get(artifact string) *spec.Spec {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.specs[artifact]
}

func (c *specCache) put(artifact string, s *spec.Spec) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.specs == nil || len(c.specs) >= maxSpecs {
		c.specs = map[string]*spec.Spec{}
	}
	c.specs[artifact] = s
}
