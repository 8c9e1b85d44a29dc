package target

import (
	"fmt"
	"runtime"
	"slices"
	"strings"

	ocispec "github.com/opencontainers/image-spec/specs-go/v1"
)

// ParsePlatform parses os[/arch[/variant]][:os_version], as --platform is
// spelled by ORAS, docker, nerdctl and upstream nfd compat. A missing arch is
// this host's, as containerd's platforms package has it. An empty string
// gives nil.
func ParsePlatform(s string) (*ocispec.Platform, error) {
	if s == "" {
		return nil, nil
	}
	spec, osVersion, _ := strings.Cut(s, ":")
	parts := strings.Split(spec, "/")
	if len(parts) > 3 || slices.Contains(parts, "") {
		return nil, fmt.Errorf("invalid platform %q: expected os[/arch[/variant]], e.g. linux/amd64 or linux/arm/v7", s)
	}
	p := &ocispec.Platform{OS: parts[0], Architecture: runtime.GOARCH, OSVersion: osVersion}
	if len(parts) > 1 {
		p.Architecture = parts[1]
	}
	if len(parts) > 2 {
		p.Variant = parts[2]
	}
	return p, nil
}

// HostPlatform is the platform this binary runs on.
func HostPlatform() *ocispec.Platform {
	return &ocispec.Platform{OS: runtime.GOOS, Architecture: runtime.GOARCH}
}

// FormatPlatform prints os/arch[/variant].
func FormatPlatform(p *ocispec.Platform) string {
	if p == nil {
		return ""
	}
	s := p.OS + "/" + p.Architecture
	if p.Variant != "" {
		s += "/" + p.Variant
	}
	return s
}
