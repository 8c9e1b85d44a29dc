package doctor

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"strings"
	"time"

	"github.com/nfd-compat/nfd-compat/pkg/features"
	"github.com/nfd-compat/nfd-compat/pkg/output"
	"github.com/nfd-compat/nfd-compat/pkg/policy"
	"github.com/nfd-compat/nfd-compat/pkg/safetext"
)

// env is what the checks share: loaded once, read by many.
type env struct {
	opts    Options
	timeout time.Duration
	cfg     *ctrdConfig
	cfgErr  error
	address string
	daemon  *daemon

	policy    *policy.Policy
	policySrc *policy.Source
	policyErr error
}

// Run runs every check, prints one line per check and returns ErrFailed
// if any failed.
func Run(ctx context.Context, opts Options) error {
	results := Check(ctx, opts)
	if err := render(opts.Stdout, opts.Output, results); err != nil {
		return err
	}
	for _, r := range results {
		if r.Status == Fail {
			return ErrFailed
		}
	}
	return nil
}

// Check runs every check and returns their results in order.
func Check(ctx context.Context, opts Options) []Result {
	if opts.ConfigFile == "" {
		opts.ConfigFile = policy.DefaultConfigFile
	}
	if opts.VerifierName == "" {
		opts.VerifierName = DefaultVerifierName
	}
	e := &env{opts: opts, timeout: opts.Timeout}
	if e.timeout == 0 {
		e.timeout = 5 * time.Second
	}
	// One load, by the verifier's loader: doctor and nfd-compat-verifier
	// see the same config and the same policy problems.
	e.policy, e.policySrc, e.policyErr = policy.Load(opts.ConfigFile, false)
	switch {
	case e.policySrc.Missing:
		e.cfgErr = fmt.Errorf("%s: %w", opts.ConfigFile, os.ErrNotExist)
	case e.policySrc.Config == nil:
		e.cfgErr = e.policyErr
	default:
		e.cfg, e.cfgErr = newCtrdConfig(opts.ConfigFile, e.policySrc.Config)
	}
	if e.cfgErr != nil {
		e.cfg = nil
	}
	e.address = opts.Address
	if e.address == "" {
		fallback := ""
		if opts.Node != nil {
			fallback = opts.Node.Address
		}
		e.address = e.cfg.address(fallback)
	}
	e.daemon = askDaemon(ctx, e)

	var results []Result
	if opts.Node != nil {
		results = append(results, checkNode(e))
	}
	results = append(results, checkConfig(e), checkDaemon(e), checkPlugins(e), checkCRI(e), checkBinDir(e),
		checkVerifier(e), checkResident(e), checkPolicy(e), checkTimeout(e), checkHosts(e), checkCacheDir(e))
	if !opts.SkipFeatures {
		results = append(results, checkFeatures(ctx, e))
	}
	return results
}

func checkConfig(e *env) Result {
	r := Result{Check: "config"}
	switch {
	case errors.Is(e.cfgErr, os.ErrNotExist):
		r.Status, r.Message = Fail, fmt.Sprintf("%s does not exist: containerd runs on its defaults, with no policy stanza", e.opts.ConfigFile)
		r.Fix = fmt.Sprintf("containerd config default > %s, then add the nfd-compat drop-in to its imports (contrib/containerd/install-verifier.sh does both)", e.opts.ConfigFile)
		if t := e.template(); t != "" {
			r.Fix = fmt.Sprintf("%s is generated when %s starts: run contrib/containerd/install-verifier.sh (it writes the stanza into %s), then restart it", e.opts.ConfigFile, e.opts.Node.Services[0], t)
		}
	case e.cfgErr != nil:
		r.Status, r.Message = Fail, fmt.Sprintf("%s: %v", e.opts.ConfigFile, e.cfgErr)
		r.Fix = "fix the TOML; containerd refuses to start on it too"
	default:
		r.Status, r.Message = OK, fmt.Sprintf("%s (version %d; imports followed by containerd's loader)", e.opts.ConfigFile, e.cfg.fileVersion)
	}
	return r
}

// checkFeatures runs NFD's feature sources as the verifier will.
func checkFeatures(ctx context.Context, e *env) Result {
	r := Result{Check: "features"}
	start := time.Now()
	f, err := features.Discover(ctx, features.DiscoverOptions{Log: e.opts.Log})
	if err != nil {
		r.Status, r.Message = Fail, "feature discovery failed: "+err.Error()
		r.Fix = "run `nfd-compat export-features -v` to see which source fails"
		return r
	}
	n := len(f.Flags) + len(f.Attributes) + len(f.Instances)
	r.Status, r.Message = OK, fmt.Sprintf("%d feature groups discovered in %s", n, time.Since(start).Round(time.Millisecond))
	return r
}

func render(w io.Writer, format output.Format, results []Result) error {
	if format == output.JSON || format == output.YAML {
		return output.Encode(w, format, results)
	}
	tw := output.NewTable(w)
	for _, r := range results {
		fmt.Fprintf(tw, "%s\t%s\t%s\n", r.Status, r.Check, safetext.Escape(r.Message))
		if r.Fix != "" {
			fmt.Fprintf(tw, "\t\tfix: %s\n", strings.ReplaceAll(r.Fix, "\n", " "))
		}
	}
	return tw.Flush()
}
