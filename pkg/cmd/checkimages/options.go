package checkimages

import (
	"io"

	"github.com/sirupsen/logrus"

	"github.com/nfd-compat/nfd-compat/pkg/compat"
	"github.com/nfd-compat/nfd-compat/pkg/features"
	"github.com/nfd-compat/nfd-compat/pkg/output"
	"github.com/nfd-compat/nfd-compat/pkg/policy"
	"github.com/nfd-compat/nfd-compat/pkg/target"
)

// Options are check-images' inputs.
type Options struct {
	// Address is containerd's socket.
	Address string
	// Namespace is the namespace listed, unless AllNamespaces.
	Namespace     string
	AllNamespaces bool

	// Policy gives tags, exclude/include, timeout, cache_dir and
	// config_path; nil means policy.Default(). Mode off is checked as warn:
	// this command only reports.
	Policy *policy.Policy
	// Target says how to reach registries; an empty HostsDir means the
	// policy's config_path.
	Target target.Options
	// Discover tunes feature discovery (host root).
	Discover features.DiscoverOptions
	// Parallel is how many images are checked at once; zero means 4.
	Parallel int

	Output output.Format
	Stdout io.Writer
	// Log receives one structured line per decision; nil drops them.
	Log logrus.FieldLogger
}

// Row is one image's verdict, the JSON/YAML schema of check-images.
type Row struct {
	Namespace string         `json:"namespace"`
	Image     string         `json:"image"`
	Digest    string         `json:"digest"`
	Verdict   policy.Verdict `json:"verdict"`
	Artifact  string         `json:"artifact,omitempty"`
	BestSet   *compat.SetRef `json:"bestSet,omitempty"`
	// Failed are the first failing expressions per set (incompatible).
	Failed []string `json:"failed,omitempty"`
	// Error says why the image could not be checked.
	Error string `json:"error,omitempty"`
	// Why says why the image was skipped.
	Why string `json:"why,omitempty"`
}
