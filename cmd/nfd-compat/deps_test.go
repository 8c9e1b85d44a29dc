package main

import (
	"strings"
	"testing"

	"github.com/nfd-compat/nfd-compat/internal/testenv"
)

// TestNoHeavyOrTestOnlyDeps keeps out of the shipped binaries what made every
// invocation pay for it at start: client-go's typed clientset (its scheme
// registers every Kubernetes API at package initialisation, ~5 ms and 0.7 MB
// per run), generated clientsets (gentype, which links client-go's fake
// machinery), and test-only packages. pkg/cluster lists through client-go's
// REST client instead.
func TestNoHeavyOrTestOnlyDeps(t *testing.T) {
	forbidden := []string{
		"k8s.io/client-go/kubernetes",
		"k8s.io/client-go/gentype",
		"k8s.io/client-go/testing",
		"k8s.io/client-go/metadata", // its own scheme, initialised at start
		"sigs.k8s.io/node-feature-discovery/api/generated/clientset",
		"testing", // the standard library's: only test binaries need it
	}
	// allowed are forbidden packages a binary links anyway, and why.
	allowed := map[string]map[string]string{
		".": {"testing": "github.com/containerd/go-cni's testutils.go is no _test file; nerdctl's pkg/api/types (the options of nerdctl's pull, run by nfd-compat pull) imports go-cni. testing registers its flags only in testing.Init; nfd-compat-verifier stays free of it"},
	}
	for _, bin := range []string{".", "../nfd-compat-verifier", "../nfd-compat-webhook"} {
		for _, dep := range testenv.Deps(t, bin) {
			for _, f := range forbidden {
				if _, ok := allowed[bin][f]; !ok && (dep == f || strings.HasPrefix(dep, f+"/")) {
					t.Errorf("linked into %s: %s", bin, dep)
				}
			}
		}
	}
}
