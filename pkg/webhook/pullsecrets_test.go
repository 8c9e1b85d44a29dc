package webhook

import "testing"

func TestRegistryHost(t *testing.T) {
	for in, want := range map[string]string{
		"https://index.docker.io/v1/": "docker.io",
		"docker.io":                   "docker.io",
		"registry-1.docker.io":        "docker.io",
		"http://127.0.0.1:5000":       "127.0.0.1:5000",
		"registry.example.com/v2/":    "registry.example.com",
		"ghcr.io":                     "ghcr.io",
	} {
		if got := registryHost(in); got != want {
			t.Errorf("registryHost(%q) = %q, want %q", in, got, want)
		}
	}
}
