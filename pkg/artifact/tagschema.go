package artifact

import (
	"context"
	"fmt"
	"net/http"

	ocispec "github.com/opencontainers/image-spec/specs-go/v1"
	"oras.land/oras-go/v2/registry/remote"
	"oras.land/oras-go/v2/registry/remote/auth"
)

// PushRepositorier is implemented by stores over several endpoints of one
// registry (pkg/target's hosts.toml store): it names the repository writes go
// to, so that the referrers index is maintained where it is written.
type PushRepositorier interface {
	PushRepository() (*remote.Repository, error)
}

// writeRepository returns the remote repository writes to dst go to, or nil
// when dst is not a registry (an OCI layout, a memory store).
func writeRepository(dst any) (*remote.Repository, error) {
	switch s := dst.(type) {
	case *remote.Repository:
		return s, nil
	case PushRepositorier:
		return s.PushRepository()
	}
	return nil, nil
}

// openIndex returns subject's referrers index when dst keeps referrers in
// the sha256-<hex> tag schema, and nil when the registry has the referrers
// API (it maintains the list itself) or dst is not a registry.
func openIndex(ctx context.Context, dst any, subject ocispec.Descriptor) (*referrersIndex, error) {
	repo, err := writeRepository(dst)
	if repo == nil || err != nil {
		return nil, err
	}
	// Asking for referrers settles oras-go's view of the registry's capability.
	if err := repo.Referrers(ctx, subject, "", func([]ocispec.Descriptor) error { return nil }); err != nil {
		return nil, fmt.Errorf("list referrers of %s: %w", subject.Digest, err)
	}
	if !settledTagSchema(repo) {
		return nil, nil
	}
	return newReferrersIndex(repo, subject)
}

// settledTagSchema reports whether repo, after a successful Referrers call,
// found the registry without the referrers API. The capability is settled
// then, so setting it to false changes nothing: it succeeds exactly when the
// capability already is false. Never call it before Referrers succeeded.
func settledTagSchema(repo *remote.Repository) bool {
	return repo.SetReferrersCapability(false) == nil
}

// plainRepository returns a client of repo's repository that pushes and
// deletes manifests without oras-go's own read-modify-write of the referrers
// index, which this package does itself, with verification (see index.go).
func plainRepository(repo *remote.Repository) (*remote.Repository, error) {
	plain := &remote.Repository{
		Client:             repo.Client,
		Reference:          repo.Reference,
		PlainHTTP:          repo.PlainHTTP,
		ManifestMediaTypes: repo.ManifestMediaTypes,
		TagListPageSize:    recordPageSize,
		MaxMetadataBytes:   repo.MaxMetadataBytes,
		HandleWarning:      repo.HandleWarning,
		SkipReferrersGC:    true,
	}
	// Declaring the referrers API makes oras-go write manifests as they are.
	if err := plain.SetReferrersCapability(true); err != nil {
		return nil, fmt.Errorf("referrers index client: %w", err)
	}
	return plain, nil
}

// deleteTag deletes tag (not the manifest it points at) where the registry
// can: distribution already drops a manifest's tags with the manifest, and
// go-containerregistry's registry keeps them. "Already gone" and "cannot
// delete tags" are fine; anything else is an error.
func deleteTag(ctx context.Context, repo *remote.Repository, tag string) error {
	ref := repo.Reference
	ref.Reference = tag
	ctx = auth.AppendRepositoryScope(ctx, ref, auth.ActionDelete)
	scheme := "https"
	if repo.PlainHTTP {
		scheme = "http"
	}
	url := fmt.Sprintf("%s://%s/v2/%s/manifests/%s", scheme, ref.Host(), ref.Repository, tag)
	req, err := http.NewRequestWithContext(ctx, http.MethodDelete, url, nil)
	if err != nil {
		return err
	}
	client := repo.Client
	if client == nil {
		client = auth.DefaultClient
	}
	resp, err := client.Do(req)
	if err != nil {
		return fmt.Errorf("delete tag %s: %w", tag, err)
	}
	defer resp.Body.Close()
	switch resp.StatusCode {
	case http.StatusAccepted, http.StatusOK, http.StatusNotFound, http.StatusMethodNotAllowed, http.StatusBadRequest:
		return nil
	}
	return fmt.Errorf("delete tag %s: registry answered %d %s", tag, resp.StatusCode, http.StatusText(resp.StatusCode))
}
