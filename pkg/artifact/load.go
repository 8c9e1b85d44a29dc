package artifact

import (
	"context"
	"errors"
	"fmt"

	ocispec "github.com/opencontainers/image-spec/specs-go/v1"
	"github.com/sirupsen/logrus"
	"oras.land/oras-go/v2/content"
	"oras.land/oras-go/v2/errdef"

	"github.com/nfd-compat/nfd-compat/pkg/cache"
	"github.com/nfd-compat/nfd-compat/pkg/spec"
	"github.com/nfd-compat/nfd-compat/pkg/target"
)

// LoadOptions say which artifact of an image Load returns and how.
type LoadOptions struct {
	// Root, when its Digest is set, is the image's descriptor as a caller
	// that resolved the reference passes it (containerd to the verifier):
	// the reference's tag is then never resolved, and a Root with only a
	// digest is resolved by digest. Unset, the reference is resolved with
	// one GET that also brings the manifest (see resolveRoot).
	Root ocispec.Descriptor
	// Platform chooses an index's manifest; nil means this host's.
	Platform *ocispec.Platform
	// SubjectOnly looks only at the artifacts of the manifest the reference
	// names: Platform's manifest of an index when Platform is set, else the
	// reference's own manifest (no host platform default, no fall back to
	// the index). get-spec and validate-spec address artifacts this way, as
	// attach-spec attaches them.
	SubjectOnly bool
	// Digest selects an artifact (a unique prefix is enough) instead of the
	// newest. A selected artifact that is gone is an error, not skipped.
	Digest string
	// Cache, set, serves and keeps what is addressed by digest (indexes,
	// artifact manifests, spec blobs); referrer lists are always asked.
	Cache *cache.Blobs
	// Raw returns the spec blob unparsed (Loaded.Spec nil): get-spec prints
	// what is stored, valid or not.
	Raw bool
	// Log, set, hears each warning as it happens and the cache's debug
	// messages.
	Log logrus.FieldLogger
	// Referrers, set, remembers the registry hosts without the referrers
	// API: Load lists a remembered host's referrers from the sha256-<hex>
	// tag without probing the API first, and remembers the hosts it finds
	// without it. Load then leaves img's referrers capability settled
	// (target.Image.LearnReferrers): set it only when img is not used for
	// writes afterwards.
	//
	// Memory is only a shortcut, never an answer: a listing that relied on
	// it and found no artifact forgets the hosts and is done again with
	// fresh clients from Reopen (the host may have gained the API), so
	// Referrers is used only together with Reopen.
	Referrers target.ReferrersMemory
	// Reopen opens the image again with fresh registry clients.
	Reopen func(context.Context) (*target.Image, error)
	// ReferrerLists, set (the policy's referrers_ttl), reuses a registry's
	// referrer lists within its TTL: no request at all for a listing, and
	// an artifact attached meanwhile seen up to the TTL late.
	ReferrerLists *cache.ReferrerLists
}

// Loaded is an image's compatibility artifact, fetched and checked, and its
// spec parsed.
type Loaded struct {
	// Root is the descriptor the reference resolved to.
	Root ocispec.Descriptor
	// Subject is the manifest the artifact refers to: Root, or the
	// platform's manifest of the index Root.
	Subject ocispec.Descriptor
	// Descriptor is the artifact chosen, set also when fetching or
	// parsing it failed; Artifact is it fetched.
	Descriptor ocispec.Descriptor
	Artifact   *Artifact
	// Spec is the parsed spec (nil with Raw); Problems are its warnings.
	Spec     *spec.Spec
	Problems []spec.Problem
	// Warnings are what Load skipped on the way (listed artifacts whose
	// manifest is gone), already given to LoadOptions.Log.
	Warnings []string
}

// Resolved is an image resolved for loading: where to read it from and
// which manifests' artifacts apply, most specific first.
type Resolved struct {
	Image *target.Image
	Root  ocispec.Descriptor
	// Subjects are the manifests whose artifacts apply, most specific first.
	Subjects []ocispec.Descriptor
	// Store reads content: the root from memory when the resolve brought
	// it, content by digest through the cache when there is one.
	Store content.ReadOnlyGraphStorage
}

// Load returns the compatibility artifact of img that applies: it resolves
// the image (one GET on a registry), picks the platform's manifest of an
// index, lists the artifacts of the platform's manifest and then of the
// index, fetches the newest (or the one opts.Digest selects) with its
// shape checked, and parses its spec. A listed artifact whose manifest or
// spec is gone (a dangling entry of a referrers tag index) is skipped with
// a warning and the next newest used. Every error names the image and, for
// a registry's refusal, says what to do (target.Explain). The Loaded is
// never nil: on error it holds what was chosen before the failure.
func Load(ctx context.Context, img *target.Image, opts LoadOptions) (*Loaded, error) {
	r, err := Resolve(ctx, img, opts)
	if err != nil {
		return &Loaded{}, err
	}
	var used []string
	if opts.Reopen != nil {
		used = img.UseReferrersMemory(opts.Referrers)
	}
	l, err := r.load(ctx, opts)
	if len(used) > 0 && errors.Is(err, ErrNoArtifact) {
		return reload(ctx, opts, used)
	}
	learnReferrers(img, opts)
	if err != nil {
		return l, target.Explain(img, fmt.Errorf("%s: %w", img.Name, err))
	}
	return l, nil
}

// reload is Load again, without the memory of hosts used: it found no
// artifact on the tag schema alone, which a host that gained the referrers
// API would also give.
func reload(ctx context.Context, opts LoadOptions, used []string) (*Loaded, error) {
	for _, h := range used {
		if err := opts.Referrers.ForgetNoReferrersAPI(h); err != nil && opts.Log != nil {
			opts.Log.WithError(err).Debug("nfd-compat: could not forget a registry's remembered referrers capability")
		}
	}
	img, err := opts.Reopen(ctx)
	if err != nil {
		return &Loaded{}, err
	}
	fresh := opts
	fresh.Reopen = nil // learns, never uses: no second reload
	return Load(ctx, img, fresh)
}

// learnReferrers remembers the hosts img's clients found without the
// referrers API.
func learnReferrers(img *target.Image, opts LoadOptions) {
	if err := img.LearnReferrers(opts.Referrers); err != nil && opts.Log != nil {
		opts.Log.WithError(err).Debug("nfd-compat: could not remember a registry without the referrers API; the next listing probes it again")
	}
}

// Resolve is Load's first half: resolve img and find the manifests whose
// artifacts apply, without listing them. validate-spec, which checks every
// artifact rather than one, starts from it.
func Resolve(ctx context.Context, img *target.Image, opts LoadOptions) (*Resolved, error) {
	r := &Resolved{Image: img, Root: opts.Root}
	var store content.ReadOnlyGraphStorage = img.Store
	switch {
	case r.Root.Digest == "":
		root, s, err := resolveRoot(ctx, img)
		if err != nil {
			return nil, err
		}
		r.Root, store = root, s
	case r.Root.Digest.Validate() != nil:
		return nil, fmt.Errorf("%s: descriptor has no valid digest (%q): %w", img.Name, r.Root.Digest, r.Root.Digest.Validate())
	case r.Root.MediaType == "" || r.Root.Size <= 0:
		// Only a digest: ask what it is, by digest, never by tag.
		d, err := img.Store.Resolve(ctx, r.Root.Digest.String())
		if err != nil {
			return nil, target.Explain(img, fmt.Errorf("resolve %s@%s: %w", img.Name, r.Root.Digest, err))
		}
		r.Root = d
	}
	if opts.Cache != nil || opts.ReferrerLists != nil {
		s := cache.NewStore(opts.Cache, store, opts.Log)
		if opts.ReferrerLists != nil {
			s.Lists, s.Repository = opts.ReferrerLists, img.Repository
		}
		store = s
	}
	r.Store = store
	subjects, err := r.subjects(ctx, opts)
	if err != nil {
		return nil, target.Explain(img, fmt.Errorf("%s: %w", img.Name, err))
	}
	r.Subjects = subjects
	return r, nil
}

func (r *Resolved) subjects(ctx context.Context, opts LoadOptions) ([]ocispec.Descriptor, error) {
	if !opts.SubjectOnly {
		platform := opts.Platform
		if platform == nil {
			platform = target.HostPlatform()
		}
		return subjectsOf(ctx, r.Store, r.Root, platform)
	}
	if opts.Platform == nil || !isIndex(r.Root.MediaType) {
		return []ocispec.Descriptor{r.Root}, nil
	}
	m, err := platformManifest(ctx, r.Store, r.Root, opts.Platform)
	if err != nil {
		return nil, err
	}
	if m == nil {
		return nil, fmt.Errorf("no manifest for platform %s in %s: %w", target.FormatPlatform(opts.Platform), r.Image.Location, target.ErrImageNotFound)
	}
	return []ocispec.Descriptor{*m}, nil
}

// Fetch is the package's Fetch from the resolved store, with a
// registry's refusal explained.
func (r *Resolved) Fetch(ctx context.Context, desc, subject ocispec.Descriptor) (*Artifact, error) {
	a, err := Fetch(ctx, r.Store, desc, subject)
	return a, target.Explain(r.Image, err)
}

// List is the package's List from the resolved store, with a registry's
// refusal explained.
func (r *Resolved) List(ctx context.Context, subject ocispec.Descriptor) ([]ocispec.Descriptor, error) {
	descs, err := List(ctx, r.Store, subject)
	return descs, target.Explain(r.Image, err)
}

func (r *Resolved) load(ctx context.Context, opts LoadOptions) (*Loaded, error) {
	l := &Loaded{Root: r.Root}
	warn := func(format string, args ...any) {
		w := fmt.Sprintf(format, args...)
		l.Warnings = append(l.Warnings, w)
		if opts.Log != nil {
			opts.Log.Warn(w)
		}
	}
	listed := 0
	for _, subject := range r.Subjects {
		descs, err := List(ctx, r.Store, subject)
		if err != nil {
			return l, err
		}
		if len(descs) == 0 {
			continue
		}
		listed += len(descs)
		if opts.Digest != "" {
			d, err := Select(descs, opts.Digest)
			if err != nil {
				return l, err
			}
			descs = []ocispec.Descriptor{d}
		}
		for _, d := range descs {
			l.Subject, l.Descriptor = subject, d
			a, err := Fetch(ctx, r.Store, d, subject)
			if opts.Digest == "" && errors.Is(err, errdef.ErrNotFound) {
				warn("%s: artifact %s is listed as a referrer of %s but is gone (%v); skipped, using the next newest", r.Image.Name, d.Digest, subject.Digest, err)
				l.Subject, l.Descriptor = ocispec.Descriptor{}, ocispec.Descriptor{}
				continue
			}
			if err != nil {
				return l, err
			}
			l.Artifact = a
			return l, l.parse(ctx, opts)
		}
	}
	if listed > 0 {
		return l, fmt.Errorf("%s: all %d listed artifacts are gone: %w", r.Root.Digest, listed, ErrNoArtifact)
	}
	return l, fmt.Errorf("%s has no compatibility artifact: attach one with `nfd-compat attach-spec`: %w", r.Root.Digest, ErrNoArtifact)
}

func (l *Loaded) parse(ctx context.Context, opts LoadOptions) error {
	if opts.Raw {
		return nil
	}
	s, problems, err := spec.ParseContext(ctx, l.Artifact.Spec)
	if err != nil {
		return fmt.Errorf("artifact %s: %w", l.Artifact.Descriptor.Digest, err)
	}
	l.Spec, l.Problems = s, problems
	return nil
}
