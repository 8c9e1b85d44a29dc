package webhook

import (
	"errors"
	"fmt"
	"io"
	"strings"
	"time"

	ocispec "github.com/opencontainers/image-spec/specs-go/v1"
	"github.com/sirupsen/logrus"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/labels"
	"k8s.io/client-go/dynamic"

	"github.com/nfd-compat/nfd-compat/pkg/metrics"
	"github.com/nfd-compat/nfd-compat/pkg/policy"
	"github.com/nfd-compat/nfd-compat/pkg/target"
)

// Defaults of Config.
const (
	DefaultCacheTTL = time.Minute
	// DefaultErrorTTL is how long a registry error (down, 5xx, timeout)
	// is remembered for an image: short, so a registry back up is used
	// again within seconds, and long enough that a burst of replicas
	// against a registry that is down costs one attempt, not one timeout
	// each.
	DefaultErrorTTL     = 10 * time.Second
	DefaultCacheEntries = 4096
	DefaultFieldManager = "nfd-compat-webhook"
	// DefaultTimeout is under the manifests' timeoutSeconds (10): the
	// webhook answers (by on_error) before the API server gives up on it.
	DefaultTimeout = 5 * time.Second
	// MaxRequiredTerms bounds the required node selector terms of a pod:
	// images' sets multiply (every existing term times every set of every
	// image). A pod past it is decided by on_error.
	MaxRequiredTerms = 64
)

// ErrConfig is wrapped by every error of Config.Validate.
var ErrConfig = errors.New("invalid webhook configuration")

// Config is what the webhook decides by.
type Config struct {
	// Policy: mode, on_missing, on_error, tags, include/exclude image
	// patterns and timeout, as on the node (pkg/policy). Its cache_dir,
	// features_ttl and config_path are not used.
	Policy *policy.Policy
	// AllowedRegistries are glob patterns (policy.Match) of registry hosts
	// the webhook may contact, e.g. "registry.example.com",
	// "*.internal:5000". An image of any other registry is not fetched:
	// its verdict is an error, decided by on_error. Empty allows none.
	AllowedRegistries []string
	// ExcludeNamespaces are namespaces whose pods are never touched.
	ExcludeNamespaces []string
	// NamespaceSelector and PodSelector, set, limit the pods placed to
	// those of namespaces whose labels match it and to those whose own
	// labels match it, as a MutatingWebhookConfiguration's
	// namespaceSelector and objectSelector do (nil or empty: every
	// namespace, every pod). A namespace's labels are read from the API
	// server (get on namespaces) and cached for CacheTTL; a failed read
	// is decided by on_error.
	NamespaceSelector *metav1.LabelSelector
	PodSelector       *metav1.LabelSelector
	// PlaceDaemonSetPods, set, places DaemonSet pods too. Off, they are
	// never touched: the DaemonSet controller already pins each to its
	// node, and an affinity no label satisfies would leave it Pending
	// there for good (the node's pull-time check still judges the image).
	PlaceDaemonSetPods bool
	// LabelPrefix of the set labels; empty: schedule.DefaultLabelPrefix.
	// nfd-master must be allowed to write it (-extra-label-ns).
	LabelPrefix string
	// PullSecrets, set, uses the pod's imagePullSecrets for its
	// registries (the webhook then needs get on secrets in every
	// namespace it serves: a webhook compromise reads every pull secret).
	// Off, only Target's credentials are used.
	PullSecrets bool
	// Target is how registries are reached (docker config, CA, hosts.toml).
	Target target.Options
	// Platform, set, judges only that platform of an index (still with
	// its kubernetes.io/os and arch terms); nil, the default, judges every
	// linux platform of an index by its own spec. A single-manifest image
	// is judged by its spec either way.
	Platform *ocispec.Platform
	// CacheTTL is how long an image's answer (spec, or none) and an
	// applied rule are reused; CacheEntries bounds each cache. ErrorTTL is
	// how long an image's error (registry down, 5xx, timeout, bad spec)
	// is reused (zero: not at all, every pod tries again); an error
	// applying a rule or reading a namespace is never reused.
	CacheTTL     time.Duration
	ErrorTTL     time.Duration
	CacheEntries int
	// Dynamic applies NodeFeatureRules; FieldManager names the webhook in
	// their managed fields.
	Dynamic      dynamic.Interface
	FieldManager string
	Log          logrus.FieldLogger
	// Observer, set, is told of every image's decision (pkg/metrics: the
	// node's decision counters, served on /metrics by NewServer).
	Observer metrics.Observer
	// Now is the clock; nil: time.Now.
	Now func() time.Time

	nsSelector, podSelector labels.Selector // compiled by Validate; nil: all
}

// Validate checks the configuration and fills defaults.
func (c *Config) Validate() error {
	var problems []string
	if c.Policy == nil {
		c.Policy = policy.Default()
		c.Policy.Timeout = policy.Duration(DefaultTimeout)
	}
	if err := c.Policy.Validate(); err != nil {
		problems = append(problems, err.Error())
	}
	if c.Dynamic == nil {
		problems = append(problems, "no Kubernetes client to apply NodeFeatureRules with")
	}
	for _, p := range c.AllowedRegistries {
		if p == "" || strings.ContainsAny(p, " /\t") {
			problems = append(problems, fmt.Sprintf("allowed registry %q: give a host[:port] pattern such as registry.example.com or *.example.com", p))
		}
	}
	if c.CacheTTL < 0 {
		problems = append(problems, fmt.Sprintf("cache TTL %v: must be zero (no caching) or positive", c.CacheTTL))
	}
	if c.ErrorTTL < 0 {
		problems = append(problems, fmt.Sprintf("error TTL %v: must be zero (errors not cached) or positive", c.ErrorTTL))
	}
	var err error
	if c.nsSelector, err = compileSelector("namespace selector", c.NamespaceSelector); err != nil {
		problems = append(problems, err.Error())
	}
	if c.podSelector, err = compileSelector("pod selector", c.PodSelector); err != nil {
		problems = append(problems, err.Error())
	}
	if len(problems) > 0 {
		return fmt.Errorf("%w: %s", ErrConfig, strings.Join(problems, "; "))
	}
	if c.CacheEntries <= 0 {
		c.CacheEntries = DefaultCacheEntries
	}
	if c.FieldManager == "" {
		c.FieldManager = DefaultFieldManager
	}
	if c.Log == nil {
		l := logrus.New()
		l.Out = io.Discard
		c.Log = l
	}
	if c.Now == nil {
		c.Now = time.Now
	}
	return nil
}

// registryAllowed reports whether the webhook may contact the registry of
// an image.
func (c *Config) registryAllowed(registry string) bool {
	for _, p := range c.AllowedRegistries {
		if policy.Match(p, registry) {
			return true
		}
	}
	return false
}

func (c *Config) namespaceExcluded(ns string) bool {
	for _, n := range c.ExcludeNamespaces {
		if n == ns {
			return true
		}
	}
	return false
}
