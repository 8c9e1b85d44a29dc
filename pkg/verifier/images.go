package verifier

import (
	"context"
	"sync"
	"time"

	"oras.land/oras-go/v2/registry"
	"oras.land/oras-go/v2/registry/remote"

	"github.com/nfd-compat/nfd-compat/pkg/target"
)

// A long-lived Verifier (containerd-nfd) reuses the registry client of a
// repository for imageReuse after a decision that listed its referrers:
// its open connections (no TLS handshake per pull) and its bearer tokens
// (no token request per pull), and oras-go's settled view of the referrers
// API. A change of credentials or hosts.toml is seen within imageReuse.
// Only a repository reached through one endpoint is reused: a mirrored
// store's endpoints that were not asked would otherwise be taken as having
// the referrers API (target.Image.LearnReferrers).
const (
	imageReuse = time.Minute
	// maxImages bounds the clients kept; past it the memory starts over.
	maxImages = 256
)

type imageCache struct {
	mu     sync.Mutex
	images map[string]openedImage
}

type openedImage struct {
	img *target.Image
	at  time.Time
}

// open returns the image name, through a client reused from an earlier
// decision on its repository when there is a fresh one.
func (v *Verifier) open(ctx context.Context, name string) (*target.Image, error) {
	ref, err := registry.ParseReference(name)
	if err == nil {
		key := ref.Registry + "/" + ref.Repository
		v.images.mu.Lock()
		o, ok := v.images.images[key]
		v.images.mu.Unlock()
		if ok && time.Since(o.at) < imageReuse {
			img := *o.img
			if ref.Reference == "" {
				ref.Reference = "latest"
			}
			img.Name, img.Reference = ref.String(), ref.Reference
			return &img, nil
		}
	}
	return target.Open(ctx, name, v.opts.Target)
}

// keep offers img, whose referrers were listed, for reuse.
func (v *Verifier) keep(img *target.Image) {
	key := img.Repository
	if _, single := img.Store.(*remote.Repository); key == "" || !single {
		return
	}
	now := time.Now()
	v.images.mu.Lock()
	defer v.images.mu.Unlock()
	if v.images.images == nil || len(v.images.images) >= maxImages {
		v.images.images = map[string]openedImage{}
	}
	// The first client's age counts: credentials are re-read within imageReuse.
	if o, ok := v.images.images[key]; !ok || now.Sub(o.at) >= imageReuse {
		v.images.images[key] = openedImage{img: img, at: now}
	}
}
