package cluster

import (
	"context"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"k8s.io/client-go/rest"
)

// TestPartialMetadata: nodes are asked for as PartialObjectMetadataList, as a
// real API server sends them when asked, and decoded from that too; errors
// are the API server's Status, explained.
func TestPartialMetadata(t *testing.T) {
	var accept string
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		if r.URL.Path == "/api/v1/nodes" {
			accept = r.Header.Get("Accept")
			_, _ = w.Write([]byte(`{"kind":"PartialObjectMetadataList","apiVersion":"meta.k8s.io/v1","metadata":{},"items":[
				{"kind":"PartialObjectMetadata","apiVersion":"meta.k8s.io/v1","metadata":{"name":"n2","labels":{"a":"b"}}},
				{"kind":"PartialObjectMetadata","apiVersion":"meta.k8s.io/v1","metadata":{"name":"n1","labels":{"a":"b"}}}]}`))
			return
		}
		w.WriteHeader(http.StatusForbidden)
		_, _ = w.Write([]byte(`{"kind":"Status","apiVersion":"v1","status":"Failure","reason":"Forbidden","code":403,"message":"nodefeatures.nfd.k8s-sigs.io is forbidden"}`))
	}))
	defer srv.Close()
	c, err := NewForConfig(&rest.Config{Host: srv.URL}, Options{NodeSelector: "a=b"})
	if err != nil {
		t.Fatal(err)
	}
	names, err := c.listNodeNames(context.Background(), "a=b")
	if err != nil || strings.Join(names, ",") != "n2,n1" {
		t.Fatalf("names %v, %v", names, err)
	}
	if !strings.HasPrefix(accept, "application/json;as=PartialObjectMetadataList;g=meta.k8s.io;v=v1") {
		t.Fatalf("Accept: %q", accept)
	}
	if _, err := c.AllNodes(context.Background()); err == nil || !strings.Contains(err.Error(), "need list permission") {
		t.Fatalf("forbidden: %v", err)
	}
}
