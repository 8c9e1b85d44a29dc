package artifact

import "errors"

var (
	// ErrNoArtifact means the image has no compatibility artifact (or none
	// with the requested digest).
	ErrNoArtifact = errors.New("no compatibility artifact")
	// ErrAmbiguous means several artifacts match and the caller must choose.
	ErrAmbiguous = errors.New("several compatibility artifacts")
	// ErrInvalidArtifact means a manifest or blob breaks the artifact format.
	ErrInvalidArtifact = errors.New("invalid compatibility artifact")
	// ErrDangling means a referrers list names a manifest the registry no
	// longer has: a dangling entry, left by an interrupted or concurrent
	// write. Readers skip it; remove-spec drops it from the list.
	ErrDangling = errors.New("dangling referrer entry (manifest gone)")
)
