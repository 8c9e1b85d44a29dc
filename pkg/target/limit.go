package target

import (
	"bytes"
	"fmt"
	"io"
	"net/http"
	"strings"

	"oras.land/oras-go/v2/errdef"
)

// MaxMetadata is the most a registry may answer for one manifest or one
// page of referrers (oras-go's default, set explicitly so that the limit
// named in errors is the one applied).
const MaxMetadata = 4 << 20

// limitReferrers makes a referrers page over MaxMetadata fail with an error
// that names the limit. oras-go reads such an answer through a LimitReader
// and its JSON decoder then reports only "unexpected EOF".
func limitReferrers(req *http.Request, resp *http.Response) {
	if req.Method != http.MethodGet || resp.StatusCode != http.StatusOK || !strings.Contains(req.URL.Path, "/referrers/") {
		return
	}
	tooLarge := fmt.Errorf("the registry's referrers answer is over the %d byte limit (%s): %w", MaxMetadata, req.URL.Redacted(), errdef.ErrSizeExceedsLimit)
	if resp.ContentLength > MaxMetadata {
		resp.Body.Close()
		resp.Body = io.NopCloser(errReader{tooLarge})
		return
	}
	// Read ahead: oras-go's LimitReader would stop at the limit and never
	// ask for the byte that tells it the answer went on.
	b, err := io.ReadAll(io.LimitReader(resp.Body, MaxMetadata+1))
	resp.Body.Close()
	switch {
	case err != nil:
		resp.Body = io.NopCloser(io.MultiReader(bytes.NewReader(b), errReader{err}))
	case len(b) > MaxMetadata:
		resp.Body = io.NopCloser(errReader{tooLarge})
	default:
		resp.Body = io.NopCloser(bytes.NewReader(b))
	}
}
