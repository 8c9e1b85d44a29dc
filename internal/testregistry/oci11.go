package testregistry

import (
	"bytes"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"

	ocispec "github.com/opencontainers/image-spec/specs-go/v1"
)

// oci11 corrects ggcr's referrers API (v0.22.1) to the OCI distribution spec 1.1 that real registries
// implement: a manifest push with a subject answers with an OCI-Subject header (without it oras-go
// assumes no referrers API and writes the tag schema), and a referrer's artifactType is the manifest's
// artifactType, falling back to its config media type (ggcr always reports the config media type),
// filtered by the artifactType query parameter.
func oci11(h http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, req *http.Request) {
		elems := strings.Split(strings.Trim(req.URL.Path, "/"), "/")
		n := len(elems)
		switch {
		case n >= 4 && elems[0] == "v2" && elems[n-2] == "manifests" && req.Method == http.MethodPut:
			body, err := io.ReadAll(io.LimitReader(req.Body, 4<<20))
			if err != nil {
				http.Error(w, err.Error(), http.StatusBadRequest)
				return
			}
			var m struct{ Subject *ocispec.Descriptor }
			if json.Unmarshal(body, &m) == nil && m.Subject != nil {
				w.Header().Set("OCI-Subject", m.Subject.Digest.String())
			}
			req.Body = io.NopCloser(bytes.NewReader(body))
			h.ServeHTTP(w, req)
		case n >= 4 && elems[0] == "v2" && elems[n-2] == "referrers" && req.Method == http.MethodGet:
			referrers(h, w, req, strings.Join(elems[1:n-2], "/"))
		default:
			h.ServeHTTP(w, req)
		}
	})
}

// referrers serves GET /v2/<name>/referrers/<digest> from ggcr's answer, corrected.
func referrers(h http.Handler, w http.ResponseWriter, req *http.Request, name string) {
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, req)
	var idx ocispec.Index
	if rec.Code != http.StatusOK || json.Unmarshal(rec.Body.Bytes(), &idx) != nil {
		copyResponse(w, rec)
		return
	}
	want := req.URL.Query().Get("artifactType")
	kept := []ocispec.Descriptor{}
	for _, d := range idx.Manifests {
		mreq := httptest.NewRequestWithContext(req.Context(), http.MethodGet, "/v2/"+name+"/manifests/"+d.Digest.String(), nil)
		mreq.Header.Set("Accept", d.MediaType)
		mrec := httptest.NewRecorder()
		h.ServeHTTP(mrec, mreq)
		var m struct {
			ArtifactType string
			Config       struct{ MediaType string }
		}
		if mrec.Code == http.StatusOK && json.Unmarshal(mrec.Body.Bytes(), &m) == nil && m.ArtifactType != "" {
			d.ArtifactType = m.ArtifactType
		}
		if want == "" || d.ArtifactType == want {
			kept = append(kept, d)
		}
	}
	idx.Manifests = kept
	b, err := json.Marshal(idx)
	if err != nil {
		http.Error(w, err.Error(), http.StatusInternalServerError)
		return
	}
	if want != "" {
		w.Header().Set("OCI-Filters-Applied", "artifactType")
	}
	w.Header().Set("Content-Type", ocispec.MediaTypeImageIndex)
	w.WriteHeader(http.StatusOK)
	_, _ = w.Write(b)
}

func copyResponse(w http.ResponseWriter, rec *httptest.ResponseRecorder) {
	for k, v := range rec.Header() {
		w.Header()[k] = v
	}
	w.WriteHeader(rec.Code)
	_, _ = w.Write(rec.Body.Bytes())
}
