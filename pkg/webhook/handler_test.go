package webhook

import (
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	admissionv1 "k8s.io/api/admission/v1"
)

// TestServeHTTP: an AdmissionReview in gives one out with the request's
// UID; anything else is a 4xx naming what was expected.
func TestServeHTTP(t *testing.T) {
	w := newTestWebhook(t, nil)
	req := review(t, "kube-system", podOf("registry.example.com/app:v1"))
	body, err := json.Marshal(admissionv1.AdmissionReview{Request: req})
	if err != nil {
		t.Fatal(err)
	}
	rec := httptest.NewRecorder()
	w.ServeHTTP(rec, httptest.NewRequest(http.MethodPost, "/mutate", strings.NewReader(string(body))))
	var out admissionv1.AdmissionReview
	if err := json.Unmarshal(rec.Body.Bytes(), &out); err != nil || rec.Code != 200 {
		t.Fatalf("%d %s: %v", rec.Code, rec.Body, err)
	}
	if out.Response == nil || out.Response.UID != "u1" || !out.Response.Allowed || out.APIVersion != "admission.k8s.io/v1" || out.Kind != "AdmissionReview" {
		t.Fatalf("response %s", rec.Body)
	}
	for _, c := range []struct {
		method, body string
		code         int
		says         string
	}{
		{http.MethodGet, "", 405, "POST an admission.k8s.io/v1 AdmissionReview"},
		{http.MethodPost, "{not json", 400, "not an admission.k8s.io/v1 AdmissionReview"},
		{http.MethodPost, `{"kind":"AdmissionReview"}`, 400, "with a request"},
		{http.MethodPost, strings.Repeat(" ", MaxRequestBytes+1), 413, "larger than"},
	} {
		rec := httptest.NewRecorder()
		w.ServeHTTP(rec, httptest.NewRequest(c.method, "/mutate", strings.NewReader(c.body)))
		if rec.Code != c.code || !strings.Contains(rec.Body.String(), c.says) {
			t.Errorf("%s %.20q: %d %s, want %d %q", c.method, c.body, rec.Code, rec.Body, c.code, c.says)
		}
	}
	// Not a pod: allowed untouched; a pod whose object is not a Pod: refused, saying so.
	notPod := *req
	notPod.Kind.Kind = "Service"
	if r := w.Admit(t.Context(), &notPod); !r.Allowed || r.Patch != nil {
		t.Errorf("a Service: %+v", r)
	}
	bad := *req
	bad.Namespace = "default"
	bad.Object.Raw = []byte(`{"spec":{"containers":"x"}}`)
	if r := w.Admit(t.Context(), &bad); r.Allowed || !strings.Contains(r.Result.Message, "not a Pod") {
		t.Errorf("a broken pod: %+v", r)
	}
}
