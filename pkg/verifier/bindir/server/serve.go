package server

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"os"
	"strings"
	"sync"
	"time"

	"github.com/sirupsen/logrus"

	"github.com/nfd-compat/nfd-compat/pkg/safetext"
	"github.com/nfd-compat/nfd-compat/pkg/verifier/bindir"
	"github.com/nfd-compat/nfd-compat/pkg/verifier/bindir/wire"
)

// DefaultMaxConns bounds the connections served at once.
const DefaultMaxConns = 64

// Server answers bindir requests with one Resident.
type Server struct {
	Resident *bindir.Resident
	// Log is the daemon's own log (connections refused, bad requests).
	Log logrus.FieldLogger
	// MaxConns bounds the connections served at once (0: DefaultMaxConns);
	// more are closed at once, so their clients fall back.
	MaxConns int
	// ReadTimeout bounds reading a request (0: wire.ReadTimeout).
	ReadTimeout time.Duration
	// Version is said in answers to pings.
	Version string
}

// Serve accepts on ln until ctx ends, then closes ln and waits for the
// calls in flight (each bounded by its policy's timeout).
func (s *Server) Serve(ctx context.Context, ln *net.UnixListener) error {
	if s.Log == nil {
		l := logrus.New()
		l.SetOutput(io.Discard)
		s.Log = l
	}
	max := s.MaxConns
	if max <= 0 {
		max = DefaultMaxConns
	}
	slots := make(chan struct{}, max)
	var wg sync.WaitGroup
	stop := context.AfterFunc(ctx, func() { ln.Close() })
	defer stop()
	defer wg.Wait()
	for {
		c, err := ln.AcceptUnix()
		if err != nil {
			if ctx.Err() != nil {
				return nil
			}
			var ne net.Error
			if errors.As(err, &ne) && ne.Timeout() {
				continue
			}
			return fmt.Errorf("accept: %w", err)
		}
		select {
		case slots <- struct{}{}:
		default:
			s.Log.Warnf("nfd-compat-verifierd: %d connections at once, closing one (its client falls back to the one-shot verifier)", max)
			c.Close()
			continue
		}
		wg.Add(1)
		go func() {
			defer wg.Done()
			defer func() { <-slots }()
			defer c.Close()
			s.serveConn(c)
		}()
	}
}

// serveConn answers one request on c.
func (s *Server) serveConn(c *net.UnixConn) {
	uid, err := wire.PeerUID(c)
	if err != nil {
		s.Log.WithError(err).Warn("nfd-compat-verifierd: no peer credentials; not served")
		return
	}
	if !wire.PeerTrusted(uid) {
		s.Log.Warnf("nfd-compat-verifierd: refusing a client of uid %d (only uid 0 and %d are served)", uid, os.Geteuid())
		_ = c.SetWriteDeadline(time.Now().Add(time.Second))
		_ = wire.WriteError(c, fmt.Sprintf("uid %d is not served (only uid 0 and uid %d)", uid, os.Geteuid()))
		return
	}
	rt := s.ReadTimeout
	if rt <= 0 {
		rt = wire.ReadTimeout
	}
	_ = c.SetReadDeadline(time.Now().Add(rt))
	q, err := wire.ReadRequest(c)
	if err != nil {
		s.Log.WithError(err).Warn("nfd-compat-verifierd: bad request")
		_ = c.SetWriteDeadline(time.Now().Add(time.Second))
		_ = wire.WriteError(c, safetext.Line("bad request: "+err.Error()))
		return
	}
	getenv := envOf(q.Env)
	if q.Kind == wire.KindPing {
		_ = c.SetWriteDeadline(time.Now().Add(time.Second))
		_ = wire.WriteAnswer(c, wire.Answer{Stdout: []byte(fmt.Sprintf("nfd-compat-verifierd %s pid %d\n", s.Version, os.Getpid()))})
		return
	}
	within := s.Resident.AnswerWithin(getenv)
	// The client waits within; a decision past it is thrown away.
	ctx, cancel := context.WithTimeout(context.Background(), within)
	defer cancel()
	// A client that went away cancels its decision, as containerd's
	// killing a verifier would.
	go func() {
		var b [1]byte
		_ = c.SetReadDeadline(time.Time{})
		if _, err := c.Read(b[:]); err != nil {
			cancel()
		}
	}()
	type result struct {
		code           int
		stdout, stderr bytes.Buffer
	}
	done := make(chan *result, 1)
	go func() {
		r := &result{}
		r.code = s.Resident.Run(ctx, q.Args, bytes.NewReader(q.Stdin), &r.stdout, &r.stderr, getenv)
		done <- r
	}()
	var res *result
	select {
	case res = <-done: // the answer is its own acknowledgement
	case <-time.After(wire.QuickAnswer):
		_ = c.SetWriteDeadline(time.Now().Add(time.Second))
		if err := wire.WriteAck(c, within); err != nil {
			return // the client gave up (it falls back); cancel stops the decision
		}
		res = <-done
	}
	_ = c.SetWriteDeadline(time.Now().Add(time.Second))
	if err := wire.WriteAnswer(c, wire.Answer{Code: res.code, Stdout: res.stdout.Bytes(), Stderr: res.stderr.Bytes()}); err != nil {
		s.Log.WithError(err).Warn("nfd-compat-verifierd: could not send an answer (the client falls back)")
	}
}

// envOf is a getenv answering from the forwarded variables alone.
func envOf(env []string) func(string) string {
	m := map[string]string{}
	for _, e := range env {
		k, v, _ := strings.Cut(e, "=")
		for _, f := range wire.ForwardedEnv {
			if k == f {
				m[k] = v
			}
		}
	}
	return func(k string) string { return m[k] }
}
