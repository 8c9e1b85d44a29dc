package policy

import (
	"fmt"
	"slices"
	"strings"
	"time"
)

// PluginURI is the containerd plugin the policy stanza belongs to:
// [plugins."io.containerd.image-verifier.v1.nfd-compat"].
const PluginURI = "io.containerd.image-verifier.v1.nfd-compat"

// Mode says what a check may do to a pull.
type Mode string

// Modes.
const (
	// ModeEnforce refuses pulls the policy refuses.
	ModeEnforce Mode = "enforce"
	// ModeWarn checks and logs, but never blocks a pull.
	ModeWarn Mode = "warn"
	// ModeOff never checks.
	ModeOff Mode = "off"
)

// Action is what on_missing and on_error ask for.
type Action string

// Actions.
const (
	Allow Action = "allow"
	Deny  Action = "deny"
)

// Defaults.
const (
	DefaultTimeout     = 5 * time.Second
	DefaultFeaturesTTL = 10 * time.Minute
	DefaultCacheDir    = "/var/lib/nfd-compat"
	DefaultConfigPath  = "/etc/containerd/certs.d"
)

// Policy is the [plugins."io.containerd.image-verifier.v1.nfd-compat"]
// stanza. Its toml tags are the keys of the stanza; containerd decodes the
// in-process plugin's config into this struct, Load does the same for the
// executable.
type Policy struct {
	// Mode is enforce, warn or off.
	Mode Mode `toml:"mode" json:"mode"`
	// OnMissing is what to do with an image without a compatibility
	// artifact (or without a set left after tag filtering): allow or deny.
	OnMissing Action `toml:"on_missing" json:"on_missing"`
	// OnError is what to do when the check cannot finish (registry
	// unreachable, timeout, bad artifact): allow (fail open) or deny.
	OnError Action `toml:"on_error" json:"on_error"`
	// Tags limits the compatibility sets considered; empty means all.
	Tags []string `toml:"tags" json:"tags,omitempty"`
	// Exclude lists image patterns never checked (see Match).
	Exclude []string `toml:"exclude" json:"exclude,omitempty"`
	// Include, when not empty, limits checks to images matching one of its
	// patterns. Exclude wins over Include.
	Include []string `toml:"include" json:"include,omitempty"`
	// Timeout bounds a whole decision. Keep it under bindir's
	// per_verifier_timeout.
	Timeout Duration `toml:"timeout" json:"timeout"`
	// FeaturesTTL is how long discovered host features are reused.
	FeaturesTTL Duration `toml:"features_ttl" json:"features_ttl"`
	// ReferrersTTL, when positive, reuses a registry's referrer list of an
	// image for that long: a warm decision then asks the registry nothing,
	// and an artifact attached (or removed) meanwhile is seen up to that
	// late. Zero (the default) asks for the referrers at every decision.
	ReferrersTTL Duration `toml:"referrers_ttl" json:"referrers_ttl,omitempty"`
	// CacheDir holds the features and spec caches and audit.jsonl.
	CacheDir string `toml:"cache_dir" json:"cache_dir"`
	// ConfigPath is the hosts.toml directory (or directories separated by
	// ':'), as CRI's registry config_path.
	ConfigPath string `toml:"config_path" json:"config_path"`

	// invalid is set by Decode for a stanza with bad values.
	invalid error
}

// Default returns the policy of an absent stanza.
func Default() *Policy {
	return &Policy{
		Mode:        ModeEnforce,
		OnMissing:   Allow,
		OnError:     Allow,
		Timeout:     Duration(DefaultTimeout),
		FeaturesTTL: Duration(DefaultFeaturesTTL),
		CacheDir:    DefaultCacheDir,
		ConfigPath:  DefaultConfigPath,
	}
}

// Keys are the stanza's keys, in documentation order.
var keys = []string{"mode", "on_missing", "on_error", "tags", "exclude", "include", "timeout", "features_ttl", "referrers_ttl", "cache_dir", "config_path"}

// Keys returns the keys of the policy stanza.
func Keys() []string { return slices.Clone(keys) }

// Invalid is the error of the stanza this policy was decoded from (see
// Decode), nil when it was valid. An invalid policy has its bad keys at
// their defaults; Decide fails closed for it in enforce mode.
func (p *Policy) Invalid() error { return p.invalid }

// Validate checks every value and returns one error naming each bad key,
// its value and what is valid.
func (p *Policy) Validate() error {
	var problems []string
	for _, ps := range p.problemsByKey() {
		problems = append(problems, ps...)
	}
	if len(problems) == 0 {
		return nil
	}
	slices.Sort(problems)
	return fmt.Errorf("%w in [plugins.%q]: %s", ErrInvalid, PluginURI, strings.Join(problems, "; "))
}

// problemsByKey lists what is wrong with each key's value.
func (p *Policy) problemsByKey() map[string][]string {
	problems := map[string][]string{}
	bad := func(key, format string, args ...any) {
		problems[key] = append(problems[key], fmt.Sprintf(format, args...))
	}
	switch p.Mode {
	case ModeEnforce, ModeWarn, ModeOff:
	default:
		bad("mode", "mode = %q: valid values are \"enforce\", \"warn\", \"off\"", p.Mode)
	}
	for key, a := range map[string]Action{"on_missing": p.OnMissing, "on_error": p.OnError} {
		if a != Allow && a != Deny {
			bad(key, "%s = %q: valid values are \"allow\", \"deny\"", key, a)
		}
	}
	if p.Timeout.Std() <= 0 {
		bad("timeout", "timeout = %q: must be a positive duration such as \"5s\" (and under bindir's per_verifier_timeout)", p.Timeout)
	}
	if p.FeaturesTTL.Std() < 0 {
		bad("features_ttl", "features_ttl = %q: must be zero (no caching) or a positive duration such as \"10m\"", p.FeaturesTTL)
	}
	if p.ReferrersTTL.Std() < 0 {
		bad("referrers_ttl", "referrers_ttl = %q: must be zero (ask for referrers at every pull, the default) or a short positive duration such as \"30s\"", p.ReferrersTTL)
	}
	if p.CacheDir == "" {
		bad("cache_dir", "cache_dir is empty: give a directory, e.g. %q", DefaultCacheDir)
	}
	for key, pats := range map[string][]string{"exclude": p.Exclude, "include": p.Include} {
		for _, pat := range pats {
			if err := checkPattern(pat); err != nil {
				bad(key, "%s pattern %q: %v", key, pat, err)
			}
		}
	}
	for _, t := range p.Tags {
		if strings.TrimSpace(t) == "" {
			bad("tags", "tags holds an empty tag: remove it")
		}
	}
	return problems
}
