package main

import (
	"bytes"
	"context"
	"errors"
	"net"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"
)

// TestSignalStopsCommand: once a command has run for signalDelay, Ctrl-C and
// SIGTERM cancel it: a validate-node waiting on a registry that never
// answers stops at once, exit 2, naming the request and the signal.
func TestSignalStopsCommand(t *testing.T) {
	dir := buildCLI(t, false)
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	go func() { // accept, never answer
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			defer c.Close()
		}
	}()
	ref := ln.Addr().String() + "/app:v1"
	for _, c := range []struct {
		sig  syscall.Signal
		word string
	}{
		{syscall.SIGTERM, "terminated signal received"},
		{syscall.SIGINT, "interrupt signal received"},
	} {
		t.Run(c.sig.String(), func(t *testing.T) {
			cmd := exec.Command(filepath.Join(dir, "nfd-compat"), "validate-node", "--no-cache", "--plain-http", ref)
			var stderr bytes.Buffer
			cmd.Stderr = &stderr
			if err := cmd.Start(); err != nil {
				t.Fatal(err)
			}
			time.Sleep(signalDelay + 400*time.Millisecond)
			if err := cmd.Process.Signal(c.sig); err != nil {
				t.Fatal(err)
			}
			done := make(chan error, 1)
			go func() { done <- cmd.Wait() }()
			select {
			case err = <-done:
			case <-time.After(10 * time.Second):
				_ = cmd.Process.Kill()
				t.Fatalf("still running 10 s after %v", c.sig)
			}
			var ee *exec.ExitError
			if !errors.As(err, &ee) || ee.ExitCode() != 2 {
				t.Fatalf("after %v: %v (stderr %q), want exit 2", c.sig, err, stderr.String())
			}
			if got := stderr.String(); !strings.Contains(got, "resolve "+ref) || !strings.Contains(got, c.word) {
				t.Errorf("stderr %q: want the request that was stopped and %q", got, c.word)
			}
		})
	}
}

// TestNotifyAfterStop: stop before the delay cancels the context with
// context.Canceled and the signals are never watched (the timer does
// nothing after stop).
func TestNotifyAfterStop(t *testing.T) {
	ctx, stop := notifyAfter(context.Background(), 20*time.Millisecond, syscall.SIGUSR2)
	stop()
	if err := ctx.Err(); !errors.Is(err, context.Canceled) {
		t.Fatalf("after stop: ctx.Err() = %v, want context.Canceled", err)
	}
	time.Sleep(60 * time.Millisecond) // past the delay: the timer, had it not been stopped, would watch SIGUSR2
	stop()                            // twice is harmless
	if cause := context.Cause(ctx); !errors.Is(cause, context.Canceled) {
		t.Errorf("cause %v, want context.Canceled", cause)
	}
}

// TestSignalDelayFor: only validate-node defers watching signals; the
// commands that push or delete watch from their start, and a signal then
// cancels the context at once.
func TestSignalDelayFor(t *testing.T) {
	for args, want := range map[string]time.Duration{
		"validate-node IMG":        signalDelay,
		"compat validate-node IMG": signalDelay,
		"attach-spec IMG spec":     0,
		"remove-spec IMG --all":    0,
		"compat attach-spec IMG":   0,
		"":                         0,
	} {
		if got := signalDelayFor(strings.Fields(args)); got != want {
			t.Errorf("%q: delay %v, want %v", args, got, want)
		}
	}
	ctx, stop := notifyAfter(context.Background(), 0, syscall.SIGUSR2)
	defer stop()
	if err := syscall.Kill(syscall.Getpid(), syscall.SIGUSR2); err != nil {
		t.Fatal(err)
	}
	select {
	case <-ctx.Done():
		if cause := context.Cause(ctx); cause == nil || !strings.Contains(cause.Error(), "signal received") {
			t.Fatalf("cause %v, want the signal's", cause)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("a signal at once did not cancel a context watched from the start")
	}
}
