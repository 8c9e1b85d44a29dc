package bindir

import (
	"context"
	"io"
	"slices"
	"sync"
	"time"

	"github.com/sirupsen/logrus"

	"github.com/nfd-compat/nfd-compat/pkg/policy"
	"github.com/nfd-compat/nfd-compat/pkg/verifier"
)

// Resident is the bindir protocol with one long-lived Verifier, for the
// resident verifier (cmd/nfd-compat-verifierd serve): host features, parsed
// specs, registry clients and the per-host referrers memory stay in memory
// between pulls. The policy is what a one-shot verifier would read: the
// config file (policy.ConfigFile of the call's environment) and the files
// it imports are stat'ed on every call, and any change (content, a file
// added to or removed from an imported directory, another file named)
// reloads it and makes a new Verifier. The zero value is ready; it is safe
// for concurrent use.
type Resident struct {
	// Log receives what is not a call's (a Verifier's creation); nil
	// discards it.
	Log logrus.FieldLogger

	mu   sync.Mutex
	held *held
}

// held is the policy of the last call and the Verifier made for it.
type held struct {
	file     string
	explicit bool
	stamps   []stamp
	pol      *policy.Policy
	src      *policy.Source
	err      error
	// docker is the credentials file the Verifier reads.
	docker string
	v      *verifier.Verifier
}

// Run is bindir.Run with the resident Verifier.
func (r *Resident) Run(ctx context.Context, args []string, stdin io.Reader, stdout, stderr io.Writer, getenv func(string) string) int {
	return run(ctx, args, stdin, stdout, stderr, getenv, r)
}

// AnswerWithin is how long a call with this environment takes at most: the
// policy's timeout and a margin for reading it and writing the audit log.
func (r *Resident) AnswerWithin(getenv func(string) string) time.Duration {
	h := r.current(getenv)
	timeout := policy.Default().Timeout.Std()
	if h.pol != nil {
		timeout = h.pol.Timeout.Std()
	}
	return timeout + 2*time.Second
}

// current returns the policy in effect for getenv's environment, reloaded
// when its files changed.
func (r *Resident) current(getenv func(string) string) *held {
	file, explicit := policy.ConfigFile("", getenv)
	r.mu.Lock()
	defer r.mu.Unlock()
	if h := r.held; h != nil && h.file == file && h.explicit == explicit && slices.Equal(h.stamps, stampFiles(file, h.src)) {
		return h
	}
	before := stampFiles(file, nil)
	pol, src, err := policy.Load(file, explicit)
	h := &held{file: file, explicit: explicit, pol: pol, src: src, err: err, stamps: stampFiles(file, src)}
	if !slices.Equal(before, h.stamps[:len(before)]) {
		// Edited while being read: read again at the next call.
		h.stamps = nil
	}
	r.held = h
	return h
}

func (r *Resident) policy(getenv func(string) string, l logrus.FieldLogger) (*policy.Policy, error) {
	h := r.current(getenv)
	verifier.LogPolicyProblems(l, h.src, h.err)
	if h.pol == nil {
		return nil, h.err
	}
	return h.pol, nil
}

func (r *Resident) verifier(pol *policy.Policy, getenv func(string) string, l logrus.FieldLogger) (*verifier.Verifier, error) {
	docker := verifier.DockerConfigPath(getenv)
	r.mu.Lock()
	defer r.mu.Unlock()
	h := r.held
	if h == nil || h.pol != pol {
		// The policy changed under this call: decide by the call's policy
		// with a Verifier of its own, as a one-shot verifier would.
		return newVerifier(pol, getenv, l)
	}
	if h.v != nil && h.docker == docker {
		return h.v, nil
	}
	log := r.Log
	if log == nil {
		dl := logrus.New()
		dl.SetOutput(io.Discard)
		log = dl
	}
	v, err := newVerifier(pol, getenv, log)
	if err != nil {
		return nil, err
	}
	h.v, h.docker = v, docker
	return v, nil
}
