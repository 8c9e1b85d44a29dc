package verifier

import (
	"errors"
	"io"
	"runtime"
	"time"

	ocispec "github.com/opencontainers/image-spec/specs-go/v1"
	"github.com/sirupsen/logrus"

	"github.com/nfd-compat/nfd-compat/pkg/cache"
	"github.com/nfd-compat/nfd-compat/pkg/features"
	"github.com/nfd-compat/nfd-compat/pkg/metrics"
	"github.com/nfd-compat/nfd-compat/pkg/policy"
	"github.com/nfd-compat/nfd-compat/pkg/target"
)

// Options configure a Verifier.
type Options struct {
	// Policy decides; nil means policy.Default().
	Policy *policy.Policy
	// Target says how to reach registries. An empty HostsDir becomes the
	// policy's config_path (hosts.toml, as CRI reads it); credentials come
	// from DockerConfig (see DockerConfigPath) unless Credentials are set.
	// A nil Target.Log becomes Log.
	Target target.Options
	// Platform is the platform whose manifest's artifacts are looked at
	// first in an index; nil means this host's.
	Platform *ocispec.Platform
	// Discover tunes feature discovery (host root). Its Sources are ignored:
	// only the sources the spec's rules need are run.
	Discover features.DiscoverOptions
	// Features, when set, are used instead of discovering this host's (a
	// features file, tests). They are not cached.
	Features *features.Features
	// Log receives one structured line per decision (and cache problems at
	// Debug); nil logs to stderr.
	Log logrus.FieldLogger
	// Audit receives one JSON line per decision; nil appends to
	// <cache_dir>/audit.jsonl. Set it to io.Discard to keep no audit.
	Audit io.Writer
	// NoCache disables the features and spec caches (cache_dir is then only
	// used for the audit log).
	NoCache bool
	// MaxConcurrent bounds the checks that parse and evaluate at once;
	// others wait (within their timeout). 0 means GOMAXPROCS.
	MaxConcurrent int
	// Observer, when set, is told of every decision (metrics).
	Observer metrics.Observer
}

// Verifier checks images at pull time. It is safe for concurrent use.
type Verifier struct {
	pol      *policy.Policy
	opts     Options
	log      logrus.FieldLogger
	blobs    *cache.Blobs
	features *cache.Features
	// registries remembers the hosts without the referrers API.
	registries *cache.Registries
	// lists reuses referrer lists for the policy's referrers_ttl (nil: off).
	lists *cache.ReferrerLists
	audit *auditLog
	// slots bounds the checks parsing and evaluating at once.
	slots chan struct{}
	// failed remembers artifacts whose check failed or timed out.
	failed *failureCache
	// specs keeps parsed specs by artifact digest.
	specs specCache
	// images keeps registry clients for reuse (images.go).
	images imageCache
}

// New validates the policy and returns a Verifier.
func New(opts Options) (*Verifier, error) {
	pol := opts.Policy
	if pol == nil {
		pol = policy.Default()
	}
	if err := pol.Validate(); err != nil {
		return nil, err
	}
	if opts.Target.OCILayout {
		return nil, errors.New("verifier: images come from registries; OCILayout is not supported")
	}
	if opts.Target.HostsDir == "" {
		opts.Target.HostsDir = pol.ConfigPath
	}
	log := opts.Log
	if log == nil {
		l := logrus.New()
		l.SetOutput(stderr())
		log = l
	}
	if opts.Target.Log == nil {
		// containerd's hosts.toml messages: warnings as warnings, the
		// rest at Debug, so stderr keeps one line per decision.
		opts.Target.Log = log
	}
	// A cache_dir another user could write to is bypassed, never an
	// error: its features, specs and audit log could be planted, but a pull
	// must not fail over a cache. Decisions are then only logged.
	auditDir := pol.CacheDir
	if err := cache.Open(pol.CacheDir); err != nil {
		entry := log.WithError(err)
		msg := "nfd-compat: not using cache_dir: no caches, no audit.jsonl (`nfd-compat doctor` says what to fix)"
		if errors.Is(err, cache.ErrUntrusted) || opts.Audit == nil {
			entry.Warn(msg)
		} else {
			// pull, check-images run by a user who cannot create it: it
			// only costs requests, and their audit goes elsewhere.
			entry.Debug(msg)
		}
		auditDir, opts.NoCache = "", true
	}
	n := opts.MaxConcurrent
	if n <= 0 {
		n = runtime.GOMAXPROCS(0)
	}
	v := &Verifier{pol: pol, opts: opts, log: log, audit: newAuditLog(auditDir, opts.Audit, log),
		slots: make(chan struct{}, n), failed: newFailureCache(time.Now)}
	v.registries = &cache.Registries{TTL: cache.RegistriesTTL}
	if ttl := pol.ReferrersTTL.Std(); ttl > 0 {
		v.lists = &cache.ReferrerLists{TTL: ttl}
	}
	if !opts.NoCache {
		v.registries.Dir = pol.CacheDir
		if v.lists != nil {
			v.lists.Dir = pol.CacheDir
		}
		v.blobs = &cache.Blobs{Dir: pol.CacheDir}
		// In memory too: a long-lived Verifier (containerd-nfd) decodes no
		// file for a warm decision.
		v.features = &cache.Features{Dir: pol.CacheDir, TTL: pol.FeaturesTTL.Std(), Memory: true}
	}
	return v, nil
}

// Policy returns the policy in effect.
func (v *Verifier) Policy() *policy.Policy { return v.pol }
