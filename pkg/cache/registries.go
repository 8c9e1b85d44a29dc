package cache

import (
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"regexp"
	"sync"
	"time"
)

// RegistriesTTL is how long a host found without the referrers API is
// remembered so by the verifier and validate-node.
const RegistriesTTL = time.Hour

// Registries remembers per registry host that it has no referrers API, for
// TTL: in memory (a long-lived verifier, containerd-nfd) and, with Dir set,
// in Dir/registries/<host>.json (every bindir verifier process,
// validate-node). A host is probed again once its entry expires, so a
// registry that gains the API is seen within TTL. It implements
// target.ReferrersMemory and is safe for concurrent use.
type Registries struct {
	// Dir is the cache directory; empty keeps the memory only.
	Dir string
	// TTL is how long an entry is used; zero or less disables it.
	TTL time.Duration
	// Now is the clock; nil means time.Now.
	Now func() time.Time

	mu sync.Mutex
	// learned is when each host was found without the API.
	learned map[string]time.Time
}

type registryEntry struct {
	Host           string    `json:"host"`
	NoReferrersAPI bool      `json:"noReferrersAPI"`
	Checked        time.Time `json:"checked"`
}

// hostName is what a registry host may look like to name its file: a DNS
// name or IP, a port, never a path. Compiled at first use, not at every
// process start.
var hostName = sync.OnceValue(func() *regexp.Regexp {
	return regexp.MustCompile(`^[A-Za-z0-9][A-Za-z0-9.\-]*(:[0-9]{1,5})?$`)
})

func (r *Registries) now() time.Time {
	if r.Now != nil {
		return r.Now()
	}
	return time.Now()
}

func (r *Registries) path(host string) string {
	return filepath.Join(r.Dir, "registries", host+".json")
}

func (r *Registries) fresh(at time.Time) bool {
	age := r.now().Sub(at)
	return age >= 0 && age < r.TTL
}

// NoReferrersAPI reports whether host was found without the referrers API
// less than TTL ago. A missing, expired or unreadable entry is a no (one
// probe, never a failure).
func (r *Registries) NoReferrersAPI(host string) bool {
	if r == nil || r.TTL <= 0 || !hostName().MatchString(host) {
		return false
	}
	r.mu.Lock()
	at, ok := r.learned[host]
	r.mu.Unlock()
	if ok && r.fresh(at) {
		return true
	}
	if r.Dir == "" {
		return false
	}
	data, err := ReadFile(r.path(host))
	if err != nil {
		return false
	}
	var e registryEntry
	if json.Unmarshal(data, &e) != nil || e.Host != host || !e.NoReferrersAPI || !r.fresh(e.Checked) {
		return false
	}
	r.remember(host, e.Checked)
	return true
}

func (r *Registries) remember(host string, at time.Time) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.learned == nil {
		r.learned = map[string]time.Time{}
	}
	r.learned[host] = at
}

// RememberNoReferrersAPI records that host has no referrers API. A host
// name that cannot name a file is not remembered (and not an error).
func (r *Registries) RememberNoReferrersAPI(host string) error {
	if r == nil || r.TTL <= 0 || !hostName().MatchString(host) {
		return nil
	}
	now := r.now().UTC()
	r.remember(host, now)
	if r.Dir == "" {
		return nil
	}
	data, err := json.Marshal(registryEntry{Host: host, NoReferrersAPI: true, Checked: now})
	if err != nil {
		return fmt.Errorf("cache: encode registry %s: %w", host, err)
	}
	return WriteFile(r.path(host), data, fileMode)
}

// ForgetNoReferrersAPI drops what is remembered of host: a listing that
// relied on it found nothing, and the host may have gained the API (an
// upgrade, or another registry now at that address).
func (r *Registries) ForgetNoReferrersAPI(host string) error {
	if r == nil || !hostName().MatchString(host) {
		return nil
	}
	r.mu.Lock()
	delete(r.learned, host)
	r.mu.Unlock()
	if r.Dir == "" {
		return nil
	}
	if err := os.Remove(r.path(host)); err != nil && !errors.Is(err, fs.ErrNotExist) {
		return fmt.Errorf("cache: forget registry %s: %w", host, err)
	}
	return nil
}
