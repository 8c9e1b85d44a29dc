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
	// ErrNotCompatArtifact means a manifest is not a compatibility artifact of
	// the image, whatever a referrers list labels it: wrong media type,
	// artifactType, config, layers or subject. It is never deleted. Every
	// ErrNotCompatArtifact is also an ErrInvalidArtifact.
	ErrNotCompatArtifact error = notCompat{}
	// ErrDangling means a referrers list names a manifest the registry no
	// longer has: a dangling entry, left by an interrupted or concurrent
	// write. Readers skip it; remove-spec drops it from the list.
	ErrDangling = errors.New("dangling referrer entry (manifest gone)")
)

type notCompat struct{}

func (notCompat) Error() string { return "not a compatibility artifact" }

// Is makes errors.Is(err, ErrInvalidArtifact) hold for shape errors.
func (notCompat) Is(target error) bool { return target == ErrInvalidArtifact }
