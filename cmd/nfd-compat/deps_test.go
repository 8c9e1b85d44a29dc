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
	const election = "client-go's tools/leaderelection (the webhook's Lease, pkg/webhook/election) links the whole typed clientset; the webhook is a long-running Deployment, which pays its ~5 ms of init once, not per invocation"
	allowed := map[string]map[string]string{
		"../nfd-compat-webhook":    {"k8s.io/client-go/kubernetes": election, "k8s.io/client-go/gentype": election, "k8s.io/client-go/testing": election},
		"../nfd-compat-containerd": {"testing": "github.com/containerd/go-cni's testutils.go is no _test file; nerdctl's pkg/api/types (the options of nerdctl's pull, run by nfd-compat pull) imports go-cni. testing registers its flags only in testing.Init; nfd-compat and the verifiers stay free of it"},
	}
	for _, bin := range []string{".", "../nfd-compat-containerd", "../nfd-compat-verifier", "../nfd-compat-verifierd", "../nfd-compat-webhook"} {
		for _, dep := range testenv.Deps(t, bin) {
			for _, f := range forbidden {
				if _, ok := allowed[bin][f]; !ok && (dep == f || strings.HasPrefix(dep, f+"/")) {
					t.Errorf("linked into %s: %s", bin, dep)
				}
			}
		}
	}
}

// TestNoContainerdClient keeps nfd-compat, the binary validate-node and the
// spec commands run in, free of what only pull, doctor and check-images
// need: nerdctl, containerd's client and its API, grpc's runtime (its
// status codes and metadata, which containerd's registry resolver for
// hosts.toml uses, are small and allowed). Those commands live in
// nfd-compat-containerd, which nfd-compat's stubs run; about 300 packages
// of package initialisation and page faults every nfd-compat process paid
// for before (docs/validate-node.md, Performance).
func TestNoContainerdClient(t *testing.T) {
	forbidden := []string{
		"github.com/containerd/nerdctl",
		"github.com/containerd/containerd/v2/client",
		"github.com/containerd/containerd/api",
		"google.golang.org/grpc",
		"google.golang.org/grpc/credentials",
		"github.com/nfd-compat/nfd-compat/internal/cli/containerdcli",
		"github.com/nfd-compat/nfd-compat/pkg/cmd/pull",
		"github.com/nfd-compat/nfd-compat/pkg/cmd/doctor",
		"github.com/nfd-compat/nfd-compat/pkg/cmd/checkimages",
	}
	deps := testenv.Deps(t, ".")
	for _, dep := range deps {
		for _, f := range forbidden {
			if dep == f || (f != "google.golang.org/grpc" && strings.HasPrefix(dep, f+"/")) {
				t.Errorf("linked into nfd-compat: %s", dep)
			}
		}
	}
	// The companion does link them: the test would pass vacuously if the
	// names above were misspelt.
	linked := map[string]bool{}
	for _, dep := range testenv.Deps(t, "../nfd-compat-containerd") {
		linked[dep] = true
	}
	for _, want := range []string{"github.com/containerd/containerd/v2/client", "google.golang.org/grpc", "github.com/nfd-compat/nfd-compat/pkg/cmd/pull"} {
		if !linked[want] {
			t.Errorf("nfd-compat-containerd does not link %s: is the name right?", want)
		}
	}
}
