package target

import (
	"strings"
	"testing"

	"github.com/distribution/reference"
)

const testDigest = "sha256:0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef"

// legacyNormalize is what policy.Normalize did before it moved here.
func legacyNormalize(name string) string {
	named, err := reference.ParseNormalizedNamed(name)
	if err != nil {
		return name
	}
	return reference.TagNameOnly(named).String()
}

func TestNormalizeForms(t *testing.T) {
	for _, tc := range []struct{ in, want, dockerRef, tagged string }{
		{"nginx", "docker.io/library/nginx:latest", "docker.io/library/nginx:latest", ""},
		{"nginx:1.27", "docker.io/library/nginx:1.27", "docker.io/library/nginx:1.27", "docker.io/library/nginx:1.27"},
		{"library/nginx", "docker.io/library/nginx:latest", "docker.io/library/nginx:latest", ""},
		{"docker.io/nginx", "docker.io/library/nginx:latest", "docker.io/library/nginx:latest", ""},
		{"x/app", "docker.io/x/app:latest", "docker.io/x/app:latest", ""},
		{"registry.k8s.io/pause:3.10", "registry.k8s.io/pause:3.10", "registry.k8s.io/pause:3.10", "registry.k8s.io/pause:3.10"},
		{"127.0.0.1:5000/a/b/c:v1", "127.0.0.1:5000/a/b/c:v1", "127.0.0.1:5000/a/b/c:v1", "127.0.0.1:5000/a/b/c:v1"},
		{"localhost/app", "localhost/app:latest", "localhost/app:latest", ""},
		{"ghcr.io/x/app@" + testDigest, "ghcr.io/x/app@" + testDigest, "ghcr.io/x/app@" + testDigest, ""},
		{"nginx@" + testDigest, "docker.io/library/nginx@" + testDigest, "docker.io/library/nginx@" + testDigest, ""},
		// Pinned pulls keep tag and digest; containerd's name keeps the digest.
		{"nginx:1.27@" + testDigest, "docker.io/library/nginx:1.27@" + testDigest, "docker.io/library/nginx@" + testDigest, "docker.io/library/nginx:1.27"},
		{"127.0.0.1:5000/app:v1@" + testDigest, "127.0.0.1:5000/app:v1@" + testDigest, "127.0.0.1:5000/app@" + testDigest, "127.0.0.1:5000/app:v1"},
	} {
		if got := Normalize(tc.in); got != tc.want {
			t.Errorf("Normalize(%q) = %q, want %q", tc.in, got, tc.want)
		}
		if got := legacyNormalize(tc.in); got != tc.want {
			t.Errorf("distribution's normalisation of %q = %q, want %q", tc.in, got, tc.want)
		}
		r, err := ParseReference(tc.in)
		if err != nil {
			t.Fatalf("ParseReference(%q): %v", tc.in, err)
		}
		if got := r.DockerRef(); got != tc.dockerRef {
			t.Errorf("DockerRef(%q) = %q, want %q", tc.in, got, tc.dockerRef)
		}
		if named, err := reference.ParseDockerRef(tc.in); err != nil || named.String() != tc.dockerRef {
			t.Errorf("reference.ParseDockerRef(%q) = %v, %v; want %q", tc.in, named, err, tc.dockerRef)
		}
		if got := r.Tagged(); got != tc.tagged {
			t.Errorf("Tagged(%q) = %q, want %q", tc.in, got, tc.tagged)
		}
	}
}

func TestNormalizeInvalidKeepsName(t *testing.T) {
	for _, in := range []string{"", "x/UPPER", "a b", "nginx:bad tag", "nginx@sha256:short", "host:port:x/y"} {
		if got := Normalize(in); got != in {
			t.Errorf("Normalize(%q) = %q, want it unchanged", in, got)
		}
		if got := legacyNormalize(in); got != in {
			t.Errorf("distribution's normalisation of %q = %q, want it unchanged", in, got)
		}
		_, err := ParseReference(in)
		if err == nil || !strings.Contains(err.Error(), "expected [REGISTRY/]REPOSITORY[:TAG][@DIGEST]") || !strings.Contains(err.Error(), "\""+in+"\"") {
			t.Errorf("ParseReference(%q) error %v should name the reference and the expected form", in, err)
		}
	}
}

// Commands' IMAGE arguments name the registry: no docker.io default.
func TestParseRemoteNeedsRegistry(t *testing.T) {
	if _, err := parseRemote("nginx"); err == nil || !strings.Contains(err.Error(), "--oci-layout") {
		t.Errorf("parseRemote(nginx) = %v, want an error pointing at REGISTRY/REPOSITORY and --oci-layout", err)
	}
	p, err := parseRemote("127.0.0.1:5000/app")
	if err != nil || p.Registry != "127.0.0.1:5000" || p.Repository != "app" || p.Reference != "latest" {
		t.Errorf("parseRemote: %+v %v", p, err)
	}
	p, err = parseRemote("127.0.0.1:5000/app:v1@" + testDigest)
	if err != nil || p.Reference != testDigest {
		t.Errorf("pinned: %+v %v (the digest is what is opened)", p, err)
	}
}

// Whatever the name, Normalize spells it as distribution/reference's
// normalized names do, and DockerRef as containerd's ParseDockerRef.
func FuzzReference(f *testing.F) {
	for _, s := range []string{"nginx", "nginx:1.27@" + testDigest, "127.0.0.1:5000/a/b:v1", "x/UPPER", "localhost/app@" + testDigest, ""} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, name string) {
		if got, want := Normalize(name), legacyNormalize(name); got != want {
			t.Errorf("Normalize(%q) = %q, distribution says %q", name, got, want)
		}
		r, err := ParseReference(name)
		named, derr := reference.ParseDockerRef(name)
		if (err == nil) != (derr == nil) {
			t.Fatalf("ParseReference(%q) err %v, ParseDockerRef err %v", name, err, derr)
		}
		if err == nil && derr == nil && r.DockerRef() != named.String() {
			t.Errorf("DockerRef(%q) = %q, ParseDockerRef says %q", name, r.DockerRef(), named.String())
		}
	})
}
