package target

import (
	"fmt"
	"strings"

	"github.com/distribution/reference"
	"github.com/opencontainers/go-digest"
	"oras.land/oras-go/v2/registry"
)

// References come in two spellings, both read here and nowhere else:
//
//   - what commands take as IMAGE (Open): REGISTRY/REPOSITORY[:TAG|@DIGEST]
//     with the registry written out, as oras-go and the ORAS CLI read it
//     (parseRemote), or DIR[:TAG|@DIGEST] for an OCI layout;
//   - what containerd and Docker pass around (ParseReference, Normalize):
//     [REGISTRY/]REPOSITORY[:TAG][@DIGEST], where a name without registry
//     is on docker.io, a one-part Docker Hub name is under library/, and a
//     name without tag or digest means :latest. Policy patterns match these
//     names; the verifier opens the normalized form.

// Reference is an image reference in containerd's and Docker's spelling,
// with the defaults made explicit.
type Reference struct {
	// Registry is the registry host as written, docker.io when none was:
	// docker.io, registry.k8s.io, 127.0.0.1:5000.
	Registry string
	// Repository is the path in the registry: library/nginx, x/app.
	Repository string
	// Tag is the tag given, "" when none was.
	Tag string
	// Digest is the digest given, "" when none was.
	Digest digest.Digest
}

// ParseReference parses [REGISTRY/]REPOSITORY[:TAG][@DIGEST] as containerd
// and Docker do (distribution/reference's normalized names).
func ParseReference(name string) (Reference, error) {
	named, err := reference.ParseNormalizedNamed(name)
	if err != nil {
		return Reference{}, fmt.Errorf("invalid image reference %q: expected [REGISTRY/]REPOSITORY[:TAG][@DIGEST], e.g. docker.io/library/alpine:3.20: %w", name, err)
	}
	r := Reference{Registry: reference.Domain(named), Repository: reference.Path(named)}
	if t, ok := named.(reference.Tagged); ok {
		r.Tag = t.Tag()
	}
	if d, ok := named.(reference.Digested); ok {
		r.Digest = d.Digest()
	}
	return r, nil
}

// Normalize returns the normalized form of an image name (see
// Reference.String), or name itself when it is not a valid reference:
//
//	nginx                       -> docker.io/library/nginx:latest
//	ghcr.io/x/app@sha256:…      -> ghcr.io/x/app@sha256:…
//	nginx:1.27@sha256:…         -> docker.io/library/nginx:1.27@sha256:…
func Normalize(name string) string {
	r, err := ParseReference(name)
	if err != nil {
		return name
	}
	return r.String()
}

// Name is REGISTRY/REPOSITORY.
func (r Reference) Name() string { return r.Registry + "/" + r.Repository }

// String is REGISTRY/REPOSITORY[:TAG][@DIGEST], with :latest when neither a
// tag nor a digest was given; a pinned REF:TAG@DIGEST keeps both.
func (r Reference) String() string {
	s := r.Name()
	if r.Tag == "" && r.Digest == "" {
		return s + ":latest"
	}
	if r.Tag != "" {
		s += ":" + r.Tag
	}
	if r.Digest != "" {
		s += "@" + r.Digest.String()
	}
	return s
}

// Tagged is REGISTRY/REPOSITORY:TAG, or "" when no tag was given: the tag
// a pinned REF:TAG@DIGEST was pinned from.
func (r Reference) Tagged() string {
	if r.Tag == "" {
		return ""
	}
	return r.Name() + ":" + r.Tag
}

// DockerRef is the name containerd stores an image under
// (reference.ParseDockerRef): the digest wins over a tag, and a name
// without either means :latest.
func (r Reference) DockerRef() string {
	if r.Digest != "" {
		return r.Name() + "@" + r.Digest.String()
	}
	return r.String()
}

// parseRemote parses the IMAGE argument of a command that reaches a
// registry: REGISTRY/REPOSITORY[:TAG|@DIGEST] with the registry written
// out (no docker.io default: a short name is more likely a typo or a
// missing --oci-layout than Docker Hub), :latest when neither is given.
func parseRemote(ref string) (registry.Reference, error) {
	parsed, err := registry.ParseReference(ref)
	if err != nil {
		return registry.Reference{}, fmt.Errorf("invalid image reference %q: expected REGISTRY/REPOSITORY[:TAG|@DIGEST] (for an OCI layout directory add --oci-layout): %w", ref, err)
	}
	if parsed.Reference == "" {
		parsed.Reference = "latest"
	}
	return parsed, nil
}

// SplitLayoutReference splits DIR[:TAG|@DIGEST] the way the ORAS CLI does:
// a digest after the last '@', else a tag after the last ':' that is not part
// of the directory path.
func SplitLayoutReference(ref string) (dir, tagOrDigest string) {
	if i := strings.LastIndex(ref, "@"); i >= 0 {
		return ref[:i], ref[i+1:]
	}
	i := strings.LastIndex(ref, ":")
	if i < 0 || strings.ContainsRune(ref[i+1:], '/') {
		return ref, ""
	}
	return ref[:i], ref[i+1:]
}
