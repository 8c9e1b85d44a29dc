package testimage

import (
	"context"
	"time"

	ocispec "github.com/opencontainers/image-spec/specs-go/v1"
	"oras.land/oras-go/v2"
)

// SBOMArtifactType is the artifact and layer media type of the fake SBOM, an SPDX document as
// `oras attach --artifact-type application/spdx+json` and syft attach it.
const SBOMArtifactType = "application/spdx+json"

// PushSBOM attaches a fake SPDX SBOM referrer to subject: an artifact manifest with
// SBOMArtifactType, the empty config and one SPDX JSON layer. Like PushSignature, every call makes a
// new referrer. It returns the SBOM manifest's descriptor.
func PushSBOM(ctx context.Context, t oras.Target, subject ocispec.Descriptor) (ocispec.Descriptor, error) {
	created := time.Now().UTC()
	now := created.Format(time.RFC3339Nano)
	doc := map[string]any{
		"spdxVersion":       "SPDX-2.3",
		"SPDXID":            "SPDXRef-DOCUMENT",
		"name":              "testimage@" + subject.Digest.String(),
		"dataLicense":       "CC0-1.0",
		"documentNamespace": "https://example.com/testimage/" + now,
		"creationInfo":      map[string]any{"created": now, "creators": []string{"Tool: testimage"}},
		"packages":          []map[string]string{{"SPDXID": "SPDXRef-hello", "name": "hello", "downloadLocation": "NOASSERTION"}},
	}
	return pushReferrer(ctx, t, subject, "SBOM", SBOMArtifactType, SBOMArtifactType, doc, nil, created)
}
