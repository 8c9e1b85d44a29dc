package cache

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"path/filepath"
	"slices"
	"sync"
	"time"

	ocispec "github.com/opencontainers/image-spec/specs-go/v1"
)

// ReferrerLists keeps the referrer lists a registry answered, per image
// repository and subject digest, for TTL: in memory and, with Dir set, in
// Dir/referrers/<key>.json. It is the policy's opt-in referrers_ttl: within
// TTL a decision asks the registry nothing, and an artifact attached (or
// removed) meanwhile is seen up to TTL late. Everything listed is still
// fetched and verified by digest; only the list is reused. Safe for
// concurrent use.
type ReferrerLists struct {
	// Dir is the cache directory; empty keeps the memory only.
	Dir string
	// TTL is how long a list is reused; zero or less disables the cache.
	TTL time.Duration
	// Now is the clock; nil means time.Now.
	Now func() time.Time

	mu  sync.Mutex
	mem map[string]referrersEntry
}

type referrersEntry struct {
	Key       string               `json:"key"`
	Listed    time.Time            `json:"listed"`
	Referrers []ocispec.Descriptor `json:"referrers"`
}

// maxListsInMemory bounds the lists a long-lived process keeps.
const maxListsInMemory = 4096

func (c *ReferrerLists) now() time.Time {
	if c.Now != nil {
		return c.Now()
	}
	return time.Now()
}

func referrersKey(repository string, subject ocispec.Descriptor) string {
	return repository + "@" + subject.Digest.String()
}

func (c *ReferrerLists) path(key string) string {
	h := sha256.Sum256([]byte(key))
	return filepath.Join(c.Dir, "referrers", hex.EncodeToString(h[:16])+".json")
}

func (c *ReferrerLists) fresh(e referrersEntry) bool {
	age := c.now().Sub(e.Listed)
	return age >= 0 && age < c.TTL
}

// Get returns the list of subject's referrers in repository (REGISTRY/NAME)
// listed less than TTL ago. A missing, expired or unreadable entry is a
// miss, never an error.
func (c *ReferrerLists) Get(repository string, subject ocispec.Descriptor) ([]ocispec.Descriptor, bool) {
	if c == nil || c.TTL <= 0 {
		return nil, false
	}
	key := referrersKey(repository, subject)
	c.mu.Lock()
	e, ok := c.mem[key]
	c.mu.Unlock()
	if ok && c.fresh(e) {
		return slices.Clone(e.Referrers), true
	}
	if c.Dir == "" {
		return nil, false
	}
	data, err := ReadFile(c.path(key))
	if err != nil {
		return nil, false
	}
	if json.Unmarshal(data, &e) != nil || e.Key != key || !c.fresh(e) {
		return nil, false
	}
	c.keep(e)
	return slices.Clone(e.Referrers), true
}

// keep puts e in memory; past the bound, expired entries go first, then all.
func (c *ReferrerLists) keep(e referrersEntry) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.mem == nil {
		c.mem = map[string]referrersEntry{}
	}
	if len(c.mem) >= maxListsInMemory {
		for k, old := range c.mem {
			if !c.fresh(old) {
				delete(c.mem, k)
			}
		}
		if len(c.mem) >= maxListsInMemory {
			clear(c.mem)
		}
	}
	c.mem[e.Key] = e
}

// Put keeps the list of subject's referrers in repository.
func (c *ReferrerLists) Put(repository string, subject ocispec.Descriptor, referrers []ocispec.Descriptor) error {
	if c == nil || c.TTL <= 0 {
		return nil
	}
	e := referrersEntry{Key: referrersKey(repository, subject), Listed: c.now().UTC(), Referrers: slices.Clone(referrers)}
	if e.Referrers == nil {
		e.Referrers = []ocispec.Descriptor{}
	}
	c.keep(e)
	if c.Dir == "" {
		return nil
	}
	data, err := json.Marshal(e)
	if err != nil {
		return fmt.Errorf("cache: encode referrers of %s: %w", e.Key, err)
	}
	return WriteFile(c.path(e.Key), data, fileMode)
}
