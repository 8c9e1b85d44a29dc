package spec

import compatv1alpha1 "sigs.k8s.io/node-feature-discovery/api/image-compatibility/v1alpha1"

const (
	// ArtifactType is the artifact type upstream NFD writes and reads.
	ArtifactType = compatv1alpha1.ArtifactType
	// SpecMediaType is the media type of the spec layer in an ArtifactType artifact.
	SpecMediaType = "application/vnd.nfd.image-compatibility.spec.v1alpha1+yaml"
	// KEPArtifactType is the artifact type of the KEP's original proposal.
	KEPArtifactType = "application/vnd.k8s.nfd.image-compatibility.v1"
	// KEPSpecMediaType is the spec layer media type in a KEPArtifactType artifact.
	KEPSpecMediaType = "application/vnd.k8s.nfd.image-compatibility.spec.v1+yaml"
	// MaxSize bounds the manifests and blobs read, in bytes, so that a
	// hostile artifact cannot make a pull-time check read without limit. A
	// spec must also be within MaxSpecSize to be parsed.
	MaxSize = 4 << 20
)

// Spec is upstream NFD's image compatibility spec.
type Spec = compatv1alpha1.Spec

// IsArtifactType reports whether t is one of the compatibility artifact types.
func IsArtifactType(t string) bool {
	return t == ArtifactType || t == KEPArtifactType
}

// SpecMediaTypeFor returns the spec layer media type that goes with
// artifactType, or "" when artifactType is not a compatibility artifact type.
func SpecMediaTypeFor(artifactType string) string {
	switch artifactType {
	case ArtifactType:
		return SpecMediaType
	case KEPArtifactType:
		return KEPSpecMediaType
	}
	return ""
}
