package target

import (
	"strings"
	"testing"
)

func TestNormalize(t *testing.T) {
	const hex64 = "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef"
	for in, want := range map[string]string{
		"alpine":                         "docker.io/library/alpine:latest",
		"127.0.0.1:5000/app:v1":          "127.0.0.1:5000/app:v1",
		"ghcr.io/x/y@sha256:" + hex64:    "ghcr.io/x/y@sha256:" + hex64,
		"ghcr.io/x/y:v1@sha256:" + hex64: "ghcr.io/x/y@sha256:" + hex64,
	} {
		if got, err := Normalize(in); err != nil || got != want {
			t.Errorf("Normalize(%q) = %q, %v; want %q", in, got, err, want)
		}
	}
	if _, err := Normalize("not a reference"); err == nil || !strings.Contains(err.Error(), "[REGISTRY/]REPOSITORY") {
		t.Errorf("bad reference: %v", err)
	}
}
