package validatenode

import (
	"io"
	"time"

	"github.com/sirupsen/logrus"

	"github.com/nfd-compat/nfd-compat/pkg/cluster"
	"github.com/nfd-compat/nfd-compat/pkg/features"
	"github.com/nfd-compat/nfd-compat/pkg/output"
	"github.com/nfd-compat/nfd-compat/pkg/target"
)

// Options are validate-node's inputs. Exactly one of Image and Spec is set.
type Options struct {
	// Image is where the spec comes from; its Platform overrides the host's
	// when choosing an index's manifest.
	Image *target.ImageOptions
	// Digest selects an artifact instead of the newest.
	Digest string
	// Spec is a local spec file's content (--spec), SpecName its name.
	Spec     []byte
	SpecName string

	// Tags limits the sets considered.
	Tags []string
	// FeatureFiles are exported features or NodeFeature files and
	// directories; set, they replace discovery on this host (fleet mode when
	// they hold more than one node).
	FeatureFiles []string
	// Cluster, set, reads every node's NodeFeature objects from a cluster
	// instead (fleet mode); see cluster.go.
	Cluster *cluster.Options
	// Pods, with Cluster and Image, also lists the pods nfd-compat-webhook
	// placed for the artifact on the checked nodes and which of them
	// drifted (their node fails the spec now); see pods.go.
	Pods bool
	// Discover tunes discovery on this host. With no Sources, only the
	// sources the spec's rules name are run; its Keep is always the
	// features they name.
	Discover features.DiscoverOptions

	Output output.Format
	// UpstreamJSON prints upstream `nfd compat validate-node --output-json`'s schema.
	UpstreamJSON bool
	// Color enables ANSI colours in the table.
	Color bool
	// Timeout bounds the whole command; zero means none.
	Timeout time.Duration
	// CacheDir, set, keeps what is addressed by digest — artifact
	// manifests, spec blobs, image indexes — in CacheDir/blobs, so that a
	// repeated run on a registry asks only for the reference and the
	// referrers; empty runs uncached. Referrer lists are never cached. A
	// directory that cannot be written means an uncached run (logged at
	// debug level), not an error. See DefaultCacheDir.
	CacheDir string

	Stdout io.Writer
	Log    logrus.FieldLogger
}
