package pull

import (
	"fmt"
	"io"

	ocispec "github.com/opencontainers/image-spec/specs-go/v1"
	"github.com/sirupsen/logrus"

	"github.com/nfd-compat/nfd-compat/pkg/features"
	"github.com/nfd-compat/nfd-compat/pkg/policy"
)

// Unpack says whether the pulled image is unpacked into a snapshotter.
type Unpack string

// Unpack values, as nerdctl's --unpack.
const (
	// UnpackAuto is nerdctl's default: unpack, since one platform is
	// pulled.
	UnpackAuto  Unpack = "auto"
	UnpackTrue  Unpack = "true"
	UnpackFalse Unpack = "false"
)

// ParseUnpack checks an --unpack value.
func ParseUnpack(s string) (Unpack, error) {
	switch u := Unpack(s); u {
	case UnpackAuto, UnpackTrue, UnpackFalse:
		return u, nil
	case "":
		return UnpackAuto, nil
	}
	return "", fmt.Errorf("--unpack %q: valid values are auto, true, false", s)
}

// nerdctl is the value of nerdctl's ImagePullOptions.Unpack: nil for auto.
func (u Unpack) nerdctl() *bool {
	switch u {
	case UnpackTrue:
		return &[]bool{true}[0]
	case UnpackFalse:
		return &[]bool{false}[0]
	}
	return nil
}

// Containerd says which daemon and namespace to use.
type Containerd struct {
	// Address is the daemon's socket, e.g. /run/containerd/containerd.sock.
	Address string
	// Namespace is the containerd namespace, e.g. "default" or "k8s.io".
	Namespace string
}

// Registry says how to reach the image's registry. Credentials come from
// docker config.json and its credential helpers (`nerdctl login`), for the
// check and for nerdctl's pull alike.
type Registry struct {
	// HostsDirs are hosts.toml roots tried in order (nerdctl's --hosts-dir):
	// the first with a directory for the registry is used.
	HostsDirs []string
	// PlainHTTP talks HTTP to registries without a hosts.toml. nerdctl's
	// pull has no such switch: it is given --insecure-registry, which tries
	// HTTPS without verification and then plain HTTP.
	PlainHTTP bool
	// Insecure skips TLS verification and falls back to plain HTTP, as
	// nerdctl's --insecure-registry.
	Insecure bool
	// DockerConfig is the docker config.json the check reads; empty means
	// $DOCKER_CONFIG/config.json or ~/.docker/config.json, which is what
	// nerdctl's pull reads.
	DockerConfig string
}

// Options are pull's inputs.
type Options struct {
	Ref        string
	Containerd Containerd
	Registry   Registry
	// Platform to pull; nil means this host's.
	Platform *ocispec.Platform
	// Snapshotter to unpack into; empty means containerd's default.
	Snapshotter string
	Unpack      Unpack

	// Check is the compatibility check run before the pull.
	Check Check

	// Quiet drops nerdctl's progress and prints only the image name after
	// the pull (and the report when the image is refused or warned about).
	Quiet bool
	// Stdout receives the report and the result line; Stderr nerdctl's
	// progress, as `nerdctl pull` prints it.
	Stdout io.Writer
	Stderr io.Writer
	// StderrTTY says Stderr is a terminal: nerdctl's progress keeps its
	// redraw and colour sequences (see safetext.Writer).
	StderrTTY bool
	Log       logrus.FieldLogger
}

// Check is the compatibility check run before the pull.
type Check struct {
	// Policy decides (loaded from containerd's config, with flag
	// overrides); nil means policy.Default().
	Policy *policy.Policy
	// Discover tunes feature discovery (host root).
	Discover features.DiscoverOptions
	// Log receives the check's structured decision line; nil drops it
	// (the report is printed anyway).
	Log logrus.FieldLogger
}
