package main

import (
	"debug/buildinfo"
	"slices"
	"strings"
	"testing"

	"github.com/nfd-compat/nfd-compat/internal/containerdtest"
	"github.com/nfd-compat/nfd-compat/internal/testenv"
)

// clientBin is the client as containerd finds it in bin_dir.
var clientBin = containerdtest.Command{Name: "nfd-compat-verifier"}

// forbiddenPackages are standard packages the client has no use for and
// whose size or inits every pull would pay for.
var forbiddenPackages = []string{"net/http", "crypto/tls", "encoding/json"}

// TestLinkedDeps: containerd execs the client on every pull, so it must
// start as a hello-world binary does: the binary as built
// ($NFD_COMPAT_BIN_DIR's, else by hack/build-verifier.sh) links no module
// but this one, and the package links none of forbiddenPackages.
func TestLinkedDeps(t *testing.T) {
	bin := clientBin.Path(t)
	info, err := buildinfo.ReadFile(bin)
	if err != nil {
		t.Fatalf("%s: %v", bin, err)
	}
	if info.Path != "github.com/nfd-compat/nfd-compat/cmd/nfd-compat-verifier" {
		t.Fatalf("%s is %s, not the client", bin, info.Path)
	}
	var mods []string
	for _, d := range info.Deps {
		mods = append(mods, d.Path)
	}
	if len(mods) > 0 {
		t.Errorf("%s links modules %s: the client must link only the standard library and this module (pkg/verifier/bindir/client)", bin, strings.Join(mods, ", "))
	}
	if bad := forbiddenIn(testenv.Deps(t, "github.com/nfd-compat/nfd-compat/cmd/nfd-compat-verifier")); len(bad) > 0 {
		t.Errorf("the client links %s", strings.Join(bad, ", "))
	}
}

// forbiddenIn returns the forbidden packages among deps.
func forbiddenIn(deps []string) []string {
	var bad []string
	for _, p := range deps {
		if slices.Contains(forbiddenPackages, p) {
			bad = append(bad, p)
		}
	}
	return bad
}

// TestForbiddenIn: the check names each forbidden package, and only those.
func TestForbiddenIn(t *testing.T) {
	got := forbiddenIn([]string{"fmt", "net", "net/http", "encoding/json", "encoding/binary", "crypto/tls", "crypto/sha256"})
	if want := []string{"net/http", "encoding/json", "crypto/tls"}; !slices.Equal(got, want) {
		t.Errorf("forbiddenIn = %q, want %q", got, want)
	}
}
