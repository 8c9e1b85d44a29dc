package cache

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"time"

	nfdv1alpha1 "sigs.k8s.io/node-feature-discovery/api/nfd/v1alpha1"
)

// BootIDFile is where Linux publishes the id of the current boot.
const BootIDFile = "/proc/sys/kernel/random/boot_id"

// Features caches a host's discovered features under Dir/features, one
// file per (boot id, sources, host root, host prefix): a reboot (new kernel, new
// modules, new hardware) changes the boot id and so misses.
type Features struct {
	// Dir is the cache directory.
	Dir string
	// TTL is how long an entry is used; zero or less disables the cache.
	TTL time.Duration
	// BootID identifies the boot; empty reads BootIDFile.
	BootID string
	// Now is the clock; nil means time.Now.
	Now func() time.Time
	// Memory, set, also keeps the entries in memory (a long-lived verifier:
	// containerd-nfd), so a warm Get decodes no file; the boot id is still
	// read at every Get.
	Memory bool

	mu  sync.Mutex
	mem map[string]featuresEntry
}

// FeaturesKey identifies a features entry.
type FeaturesKey struct {
	// Sources are the NFD sources discovered (order does not matter).
	Sources []string
	// HostRoot is where the host's root file system was read from
	// ("" = /), and HostPrefix the prefix of its /sys, /proc, ... mounts
	// (features.DiscoverOptions). Each is a field of its own in the key:
	// no two different pairs name one entry.
	HostRoot   string
	HostPrefix string
}

// featuresKeyVersion is part of every entry's file name. Version 2 hashes
// the key's fields separately; version 1 entries (root and prefix joined
// by "|") have other names and are never read, a harmless miss.
const featuresKeyVersion = 2

type featuresEntry struct {
	BootID     string                `json:"bootID"`
	Sources    []string              `json:"sources"`
	HostRoot   string                `json:"hostRoot,omitempty"`
	HostPrefix string                `json:"hostPrefix,omitempty"`
	Created    time.Time             `json:"created"`
	Features   *nfdv1alpha1.Features `json:"features"`
}

func (c *Features) now() time.Time {
	if c.Now != nil {
		return c.Now()
	}
	return time.Now()
}

func (c *Features) bootID() (string, error) {
	if c.BootID != "" {
		return c.BootID, nil
	}
	b, err := os.ReadFile(BootIDFile)
	if err != nil {
		return "", fmt.Errorf("read boot id: %w", err)
	}
	return strings.TrimSpace(string(b)), nil
}

// path names k's entry: a hash of the key's fields, each encoded on its
// own (JSON), so that no field's content can stand for another's.
func (c *Features) path(boot string, k FeaturesKey) string {
	srcs := slices.Clone(k.Sources)
	slices.Sort(srcs)
	b, _ := json.Marshal([]any{featuresKeyVersion, boot, slices.Compact(srcs), k.HostRoot, k.HostPrefix}) // strings only: cannot fail
	h := sha256.Sum256(b)
	return filepath.Join(c.Dir, "features", hex.EncodeToString(h[:12])+".json")
}

// Get returns cached features for k, or nil when there is no usable entry
// (none, expired, another boot, unreadable). It never fails: a cache
// problem only costs a discovery.
func (c *Features) Get(k FeaturesKey) *nfdv1alpha1.Features {
	if c.TTL <= 0 {
		return nil
	}
	boot, err := c.bootID()
	if err != nil {
		return nil
	}
	p := c.path(boot, k)
	if c.Memory {
		c.mu.Lock()
		e, ok := c.mem[p]
		c.mu.Unlock()
		if ok && c.usable(e, boot, k) {
			return e.Features
		}
	}
	data, err := ReadFile(p)
	if err != nil {
		return nil
	}
	var e featuresEntry
	if json.Unmarshal(data, &e) != nil || !c.usable(e, boot, k) {
		return nil
	}
	c.keep(p, e)
	return e.Features
}

func (c *Features) usable(e featuresEntry, boot string, k FeaturesKey) bool {
	if e.Features == nil || e.BootID != boot || e.HostRoot != k.HostRoot || e.HostPrefix != k.HostPrefix {
		return false
	}
	age := c.now().Sub(e.Created)
	return age >= 0 && age < c.TTL
}

// keep puts e in memory (with Memory); the keys are few (boot id, source
// sets, host roots), so only an entry of another boot is dropped.
func (c *Features) keep(p string, e featuresEntry) {
	if !c.Memory {
		return
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.mem == nil {
		c.mem = map[string]featuresEntry{}
	}
	for k, old := range c.mem {
		if old.BootID != e.BootID {
			delete(c.mem, k)
		}
	}
	c.mem[p] = e
}

// Put stores f for k.
func (c *Features) Put(k FeaturesKey, f *nfdv1alpha1.Features) error {
	if c.TTL <= 0 {
		return nil
	}
	if f == nil {
		return errors.New("cache: no features to store")
	}
	boot, err := c.bootID()
	if err != nil {
		return err
	}
	srcs := slices.Clone(k.Sources)
	slices.Sort(srcs)
	e := featuresEntry{BootID: boot, Sources: srcs, HostRoot: k.HostRoot, HostPrefix: k.HostPrefix, Created: c.now().UTC(), Features: f}
	c.keep(c.path(boot, k), e)
	data, err := json.Marshal(e)
	if err != nil {
		return fmt.Errorf("cache: encode features: %w", err)
	}
	return WriteFile(c.path(boot, k), data, fileMode)
}
