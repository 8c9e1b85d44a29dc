package verifier

import (
	"sync"

	"github.com/nfd-compat/nfd-compat/pkg/spec"
)

// The parsed specs a long-lived Verifier keeps are bounded in number and
// size, so that images carrying large valid specs cannot grow containerd's
// memory: a decoded spec takes several times its YAML. Past maxSpecs the
// memory starts over; bigger specs are parsed at every decision.
const (
	maxSpecs         = 64
	maxCachedSpecLen = 16 << 10
)

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

func (c *specCache) put(artifact string, s *spec.Spec, size int) {
	if size > maxCachedSpecLen {
		return
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.specs == nil || len(c.specs) >= maxSpecs {
		c.specs = map[string]*spec.Spec{}
	}
	c.specs[artifact] = s
}
