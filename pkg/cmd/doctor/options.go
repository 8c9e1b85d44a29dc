package doctor

import (
	"errors"
	"io"
	"time"

	"github.com/sirupsen/logrus"

	"github.com/nfd-compat/nfd-compat/pkg/containerdpaths"
	"github.com/nfd-compat/nfd-compat/pkg/output"
)

// Options are doctor's inputs.
type Options struct {
	// ConfigFile is containerd's config; its imports are followed.
	ConfigFile string
	// Address is containerd's socket; empty means the config's grpc
	// address, else Node's socket, else /run/containerd/containerd.sock.
	Address string
	// Node is the containerd found on this node (containerdpaths.Detect);
	// when set, the "node" check prints it and what overrode it, and the
	// checks of a k3s/RKE2 node name the template to edit.
	Node *containerdpaths.Found
	// VerifierName is the file name of our executable in bin_dir.
	VerifierName string
	// VerifierSocket is the resident verifier's socket the client asks
	// (default /run/nfd-compat/verifier.sock); VerifierFallback the one-shot
	// verifier it execs otherwise (default the client package's).
	VerifierSocket, VerifierFallback string
	// SkipFeatures skips the feature-discovery check.
	SkipFeatures bool
	// Timeout bounds each check that talks to the daemon; zero means 5s.
	Timeout time.Duration

	Output output.Format
	Stdout io.Writer
	Log    logrus.FieldLogger
}

// DefaultVerifierName is the bindir executable nfd-compat installs.
const DefaultVerifierName = "nfd-compat-verifier"

// Status of one check.
type Status string

// Statuses, as printed.
const (
	OK   Status = "ok"
	Warn Status = "warn"
	Fail Status = "FAIL"
)

// Result is one check's outcome.
type Result struct {
	// Check names what was checked, e.g. "containerd", "cri-transfer".
	Check  string `json:"check"`
	Status Status `json:"status"`
	// Message says what was found.
	Message string `json:"message"`
	// Fix says what to do; empty when Status is OK.
	Fix string `json:"fix,omitempty"`
}

// ErrFailed is returned when at least one check failed.
var ErrFailed = errors.New("doctor found problems")
