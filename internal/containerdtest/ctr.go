package containerdtest

import (
	"bytes"
	"context"
	"os"
	"os/exec"
	"strings"
	"time"
)

// Result is one command run.
type Result struct {
	Stdout, Stderr string
	Err            error
	Elapsed        time.Duration
}

// Output is stdout and stderr together, for messages.
func (r Result) Output() string { return strings.TrimSpace(r.Stdout + "\n" + r.Stderr) }

// Ctr runs ctr against the daemon in namespace "default".
func (d *Daemon) Ctr(ctx context.Context, args ...string) Result {
	return run(ctx, d.Bins.Ctr, append([]string{"--address", d.Address, "--namespace", "default"}, args...)...)
}

// Pull runs `ctr image pull --hosts-dir HOSTS REF` (the transfer service,
// so the image verifiers run).
func (d *Daemon) Pull(ctx context.Context, ref string, extra ...string) Result {
	args := append([]string{"image", "pull", "--hosts-dir", d.HostsDir}, extra...)
	return d.Ctr(ctx, append(args, ref)...)
}

// Crictl runs crictl against the daemon's CRI (namespace k8s.io).
func (d *Daemon) Crictl(ctx context.Context, args ...string) Result {
	ep := "unix://" + d.Address
	return run(ctx, d.Bins.Crictl, append([]string{"--runtime-endpoint", ep, "--image-endpoint", ep, "--timeout", "60s"}, args...)...)
}

// NFDCompat runs the nfd-compat binary; give --address d.Address yourself.
// It has the resident verifier's variables of containerd's environment
// (doctor asks the socket the client in bin_dir asks).
func (d *Daemon) NFDCompat(ctx context.Context, args ...string) Result {
	return runEnv(ctx, d.verifierEnv, d.Bins.NFDCompat, args...)
}

func run(ctx context.Context, bin string, args ...string) Result {
	return runEnv(ctx, nil, bin, args...)
}

// runEnv runs bin with env added to the test's environment.
func runEnv(ctx context.Context, env []string, bin string, args ...string) Result {
	cmd := exec.CommandContext(ctx, bin, args...)
	if env != nil {
		cmd.Env = append(os.Environ(), env...)
	}
	var out, errb bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errb
	start := time.Now()
	err := cmd.Run()
	return Result{Stdout: out.String(), Stderr: errb.String(), Err: err, Elapsed: time.Since(start)}
}

// ExitCode is the exit status of a Result's command, -1 if it did not run.
func (r Result) ExitCode() int {
	if r.Err == nil {
		return 0
	}
	if ee, ok := r.Err.(*exec.ExitError); ok {
		return ee.ExitCode()
	}
	return -1
}
