package target

import (
	"reflect"
	"runtime"
	"testing"

	ocispec "github.com/opencontainers/image-spec/specs-go/v1"
)

func TestParsePlatform(t *testing.T) {
	for in, want := range map[string]*ocispec.Platform{
		"":                     nil,
		"linux/amd64":          {OS: "linux", Architecture: "amd64"},
		"linux/arm/v7":         {OS: "linux", Architecture: "arm", Variant: "v7"},
		"linux":                {OS: "linux", Architecture: runtime.GOARCH},
		"windows/amd64:10.0.1": {OS: "windows", Architecture: "amd64", OSVersion: "10.0.1"},
	} {
		got, err := ParsePlatform(in)
		if err != nil {
			t.Fatalf("ParsePlatform(%q): %v", in, err)
		}
		if !reflect.DeepEqual(got, want) {
			t.Errorf("ParsePlatform(%q) = %+v, want %+v", in, got, want)
		}
	}
	for _, bad := range []string{"linux/", "/amd64", "a/b/c/d", "linux//v7"} {
		if _, err := ParsePlatform(bad); err == nil {
			t.Errorf("ParsePlatform(%q) succeeded", bad)
		}
	}
}

func TestSplitLayoutReference(t *testing.T) {
	for in, want := range map[string][2]string{
		"layout:app":         {"layout", "app"},
		"./a/b@sha256:abcd":  {"./a/b", "sha256:abcd"},
		"/tmp/x:y/layout":    {"/tmp/x:y/layout", ""},
		"/tmp/x:y/layout:v1": {"/tmp/x:y/layout", "v1"},
		"layout":             {"layout", ""},
	} {
		dir, ref := SplitLayoutReference(in)
		if dir != want[0] || ref != want[1] {
			t.Errorf("SplitLayoutReference(%q) = %q, %q; want %q, %q", in, dir, ref, want[0], want[1])
		}
	}
}
