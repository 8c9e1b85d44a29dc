package main

import (
	"debug/buildinfo"
	"slices"
	"strings"
	"testing"
)

// forbiddenModules are what a decision never needs and every exec would pay
// for in package inits (hack/build-verifier.sh): the Kubernetes client
// (client-go: rest, tools/clientcmd, its auth plugins), k8s.io/kubernetes
// (NFD's memory_resources.go) and testify (NFD's source mock).
var forbiddenModules = []string{"k8s.io/client-go", "k8s.io/kubernetes", "github.com/stretchr/testify"}

// forbiddenLinked returns the forbidden modules among those linked.
func forbiddenLinked(linked []string) []string {
	var bad []string
	for _, m := range linked {
		if slices.Contains(forbiddenModules, m) {
			bad = append(bad, m)
		}
	}
	return bad
}

// TestLinkedModules: the verifier as built ($NFD_COMPAT_BIN_DIR's, which
// make build builds, else built by hack/build-verifier.sh as make build
// does) links no Kubernetes client. Read from the binary's build info, so
// it is what containerd execs, not what go list says the package imports.
func TestLinkedModules(t *testing.T) {
	bin := verifierBin.Path(t)
	info, err := buildinfo.ReadFile(bin)
	if err != nil {
		t.Fatalf("%s: %v", bin, err)
	}
	var linked []string
	nfdReplaced := false
	for _, d := range info.Deps {
		linked = append(linked, d.Path)
		if d.Path == "sigs.k8s.io/node-feature-discovery" && d.Replace != nil {
			nfdReplaced = true
		}
	}
	if !slices.Contains(linked, "sigs.k8s.io/node-feature-discovery") || !slices.Contains(linked, "oras.land/oras-go/v2") {
		t.Fatalf("%s links %d modules, not NFD and oras-go: not the verifier?\n%s", bin, len(linked), strings.Join(linked, "\n"))
	}
	if bad := forbiddenLinked(linked); len(bad) > 0 {
		t.Errorf("%s links %s: build it with hack/build-verifier.sh (make build), and keep what a decision runs off these modules", bin, strings.Join(bad, ", "))
	}
	if !nfdReplaced {
		t.Errorf("%s was built against NFD from the module cache, not hack/build-verifier.sh's build copy", bin)
	}
}

// TestForbiddenLinked: the check names each forbidden module, and only those.
func TestForbiddenLinked(t *testing.T) {
	got := forbiddenLinked([]string{"oras.land/oras-go/v2", "k8s.io/client-go", "k8s.io/apimachinery", "k8s.io/kubernetes",
		"github.com/stretchr/testify", "github.com/stretchr/objx", "sigs.k8s.io/node-feature-discovery"})
	want := []string{"k8s.io/client-go", "k8s.io/kubernetes", "github.com/stretchr/testify"}
	if !slices.Equal(got, want) {
		t.Errorf("forbiddenLinked = %q, want %q", got, want)
	}
}
