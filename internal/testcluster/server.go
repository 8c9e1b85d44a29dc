package testcluster

import (
	"encoding/json"
	"encoding/pem"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/labels"
	nfdv1alpha1 "sigs.k8s.io/node-feature-discovery/api/nfd/v1alpha1"
	"sigs.k8s.io/yaml"
)

// Token is the bearer token the server wants.
const Token = "nfd-compat-test-token"

const nfdPrefix = "/apis/nfd.k8s-sigs.io/v1alpha1/"

// object is a served object: its labels, namespace and encoded JSON.
type object struct {
	namespace string
	labels    map[string]string
	raw       json.RawMessage
}

// Server is the stand-in API server.
type Server struct {
	*httptest.Server
	nodeFeatures []object
	nodes        []object

	mu       sync.Mutex
	requests []string
	// expire is how many more continue tokens to refuse as expired.
	expire int
}

// ExpireContinue makes the server answer the next n requests carrying a
// continue token with 410 Expired, as an API server does after etcd
// compacted the list's revision.
func (s *Server) ExpireContinue(n int) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.expire = n
}

// New starts a server with the objects; it stops when the test ends.
func New(t testing.TB, nfs []nfdv1alpha1.NodeFeature, nodes []corev1.Node) *Server {
	t.Helper()
	s := &Server{}
	for i := range nfs {
		nf := nfs[i]
		nf.APIVersion, nf.Kind = nfdv1alpha1.SchemeGroupVersion.String(), "NodeFeature"
		s.nodeFeatures = append(s.nodeFeatures, object{namespace: nf.Namespace, labels: nf.Labels, raw: mustJSON(t, nf)})
	}
	for i := range nodes {
		n := nodes[i]
		n.APIVersion, n.Kind = "v1", "Node"
		s.nodes = append(s.nodes, object{labels: n.Labels, raw: mustJSON(t, n)})
	}
	s.Server = httptest.NewTLSServer(http.HandlerFunc(s.serve))
	t.Cleanup(s.Close)
	return s
}

// Requests returns the request URIs served so far.
func (s *Server) Requests() []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]string(nil), s.requests...)
}

func (s *Server) serve(w http.ResponseWriter, r *http.Request) {
	s.mu.Lock()
	s.requests = append(s.requests, r.URL.RequestURI())
	s.mu.Unlock()
	if r.Header.Get("Authorization") != "Bearer "+Token {
		status(w, http.StatusUnauthorized, "Unauthorized", "bad or missing bearer token")
		return
	}
	if r.Method != http.MethodGet {
		status(w, http.StatusMethodNotAllowed, "MethodNotAllowed", r.Method+" is not served")
		return
	}
	p := r.URL.Path
	switch {
	case p == "/api/v1/nodes":
		s.list(w, r, s.nodes, "", "v1", "NodeList")
	case p == nfdPrefix+"nodefeatures":
		s.list(w, r, s.nodeFeatures, "", nfdv1alpha1.SchemeGroupVersion.String(), "NodeFeatureList")
	case strings.HasPrefix(p, nfdPrefix+"namespaces/") && strings.HasSuffix(p, "/nodefeatures"):
		ns := strings.TrimSuffix(strings.TrimPrefix(p, nfdPrefix+"namespaces/"), "/nodefeatures")
		s.list(w, r, s.nodeFeatures, ns, nfdv1alpha1.SchemeGroupVersion.String(), "NodeFeatureList")
	default:
		status(w, http.StatusNotFound, "NotFound", "the server could not find the requested resource")
	}
}

// list serves one page: objects in namespace ns (all when empty) matching
// labelSelector, from the offset the continue token holds, at most limit.
func (s *Server) list(w http.ResponseWriter, r *http.Request, objs []object, ns, apiVersion, kind string) {
	q := r.URL.Query()
	sel, err := labels.Parse(q.Get("labelSelector"))
	if err != nil {
		status(w, http.StatusBadRequest, "BadRequest", "labelSelector: "+err.Error())
		return
	}
	start := 0
	if c := q.Get("continue"); c != "" {
		s.mu.Lock()
		expired := s.expire > 0
		if expired {
			s.expire--
		}
		s.mu.Unlock()
		if expired {
			status(w, http.StatusGone, "Expired", "The provided continue parameter is too old to display a consistent list result.")
			return
		}
		if start, err = strconv.Atoi(strings.TrimPrefix(c, "offset-")); err != nil || !strings.HasPrefix(c, "offset-") || start > len(objs) {
			status(w, http.StatusGone, "Expired", "continue token is not valid")
			return
		}
	}
	limit := 0
	if l := q.Get("limit"); l != "" {
		if limit, err = strconv.Atoi(l); err != nil || limit < 0 {
			status(w, http.StatusBadRequest, "BadRequest", "limit: "+l)
			return
		}
	}
	items := []json.RawMessage{}
	next := ""
	for i := start; i < len(objs); i++ {
		o := objs[i]
		if (ns != "" && o.namespace != ns) || !sel.Matches(labels.Set(o.labels)) {
			continue
		}
		if limit > 0 && len(items) == limit {
			next = "offset-" + strconv.Itoa(i)
			break
		}
		items = append(items, o.raw)
	}
	w.Header().Set("Content-Type", "application/json")
	_ = json.NewEncoder(w).Encode(map[string]any{
		"apiVersion": apiVersion, "kind": kind,
		"metadata": map[string]any{"resourceVersion": "1", "continue": next},
		"items":    items,
	})
}

func status(w http.ResponseWriter, code int, reason, msg string) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(code)
	_ = json.NewEncoder(w).Encode(map[string]any{
		"apiVersion": "v1", "kind": "Status", "status": "Failure", "message": msg, "reason": reason, "code": code,
	})
}

// Kubeconfig writes a kubeconfig file for the server (its CA, the bearer
// token) into a temporary directory and returns its path.
func (s *Server) Kubeconfig(t testing.TB) string {
	t.Helper()
	pemCA := pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: s.Certificate().Raw})
	cfg := map[string]any{
		"apiVersion": "v1", "kind": "Config", "current-context": "test",
		"clusters": []any{map[string]any{"name": "test", "cluster": map[string]any{
			"server": s.URL, "certificate-authority-data": pemCA}}},
		"users":    []any{map[string]any{"name": "test", "user": map[string]any{"token": Token}}},
		"contexts": []any{map[string]any{"name": "test", "context": map[string]any{"cluster": "test", "user": "test"}}},
	}
	data, err := yaml.Marshal(cfg)
	if err != nil {
		t.Fatal(err)
	}
	p := filepath.Join(t.TempDir(), "kubeconfig")
	if err := os.WriteFile(p, data, 0o600); err != nil {
		t.Fatal(err)
	}
	return p
}

func mustJSON(t testing.TB, v any) json.RawMessage {
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// String describes the server in test logs.
func (s *Server) String() string {
	return fmt.Sprintf("test API server %s (%d NodeFeatures, %d Nodes)", s.URL, len(s.nodeFeatures), len(s.nodes))
}
