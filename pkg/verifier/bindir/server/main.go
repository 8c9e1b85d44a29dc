package server

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"runtime/debug"

	"github.com/sirupsen/logrus"

	"github.com/nfd-compat/nfd-compat/pkg/verifier/bindir"
	"github.com/nfd-compat/nfd-compat/pkg/verifier/bindir/wire"
)

// Main is `nfd-compat-verifierd serve [-socket PATH] [-max-conns N]`: it
// listens until ctx ends (SIGTERM) and returns the exit code (0 after a
// clean shutdown, 2 for bad flags, 1 when it cannot serve).
func Main(ctx context.Context, args []string, stderr io.Writer, getenv func(string) string) int {
	fs := flag.NewFlagSet("nfd-compat-verifierd serve", flag.ContinueOnError)
	fs.SetOutput(stderr)
	def := getenv(wire.SocketEnv)
	if def == "" {
		def = wire.DefaultSocket
	}
	sock := fs.String("socket", def, "the Unix socket to serve on (default $"+wire.SocketEnv+", else "+wire.DefaultSocket+")")
	maxConns := fs.Int("max-conns", DefaultMaxConns, "connections served at once; more are closed (their clients fall back)")
	fs.Usage = func() {
		fmt.Fprintf(stderr, "Usage: nfd-compat-verifierd serve [-socket PATH] [-max-conns N]\n\n"+
			"The resident nfd-compat image verifier: answers the nfd-compat-verifier in containerd's bin_dir over a Unix socket,\n"+
			"with one long-lived verifier (features, specs and registry clients in memory). Without \"serve\", nfd-compat-verifierd\n"+
			"is the one-shot bindir verifier the client falls back to.\n\n")
		fs.PrintDefaults()
		fmt.Fprintf(stderr, "\nExit codes: 0 stopped cleanly (SIGTERM, SIGINT) or -h, 1 cannot listen or serve, 2 bad flags.\n")
	}
	if err := fs.Parse(args); errors.Is(err, flag.ErrHelp) {
		return 0
	} else if err != nil {
		return 2
	}
	if fs.NArg() > 0 {
		fmt.Fprintf(stderr, "nfd-compat-verifierd serve: unexpected argument %q\n", fs.Arg(0))
		return 2
	}
	if *maxConns < 1 {
		fmt.Fprintf(stderr, "nfd-compat-verifierd serve: -max-conns %d: must be at least 1\n", *maxConns)
		return 2
	}
	l := logrus.New()
	l.SetOutput(stderr)
	ln, err := Listen(*sock)
	if err != nil {
		l.WithError(err).Error("nfd-compat-verifierd: cannot listen")
		return 1
	}
	version := "(devel)"
	if bi, ok := debug.ReadBuildInfo(); ok && bi.Main.Version != "" {
		version = bi.Main.Version
	}
	l.Infof("nfd-compat-verifierd %s: serving on %s", version, *sock)
	s := &Server{Resident: &bindir.Resident{Log: l}, Log: l, MaxConns: *maxConns, Version: version}
	if err := s.Serve(ctx, ln); err != nil {
		l.WithError(err).Error("nfd-compat-verifierd: stopped")
		return 1
	}
	l.Info("nfd-compat-verifierd: stopped")
	return 0
}
