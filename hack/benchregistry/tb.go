package main

import (
	"errors"
	"fmt"
	"os"
	"testing"

	"github.com/nfd-compat/nfd-compat/internal/testregistry"
)

// processTB is the part of testing.TB that testregistry.Start uses (Helper,
// Fatal[f], Cleanup, TempDir, Log[f]), for a process that is not a test: the
// registries are test helpers and stay so; this adapter lets a benchmark
// script reuse them unchanged. testing.TB cannot be implemented outside the
// testing package, so the interface is embedded (nil): a method not
// overridden here panics, which a change in testregistry would show at once.
type processTB struct {
	testing.TB
	cleanups []func()
	dirs     []string
}

// fatal carries a Fatalf message from testregistry to start.
type fatal string

func newProcessTB() *processTB { return &processTB{} }

func (t *processTB) Helper()                           {}
func (t *processTB) Name() string                      { return "benchregistry" }
func (t *processTB) Cleanup(f func())                  { t.cleanups = append(t.cleanups, f) }
func (t *processTB) Log(args ...any)                   { fmt.Fprintln(os.Stderr, args...) }
func (t *processTB) Logf(format string, args ...any)   { fmt.Fprintf(os.Stderr, format+"\n", args...) }
func (t *processTB) Fatal(args ...any)                 { panic(fatal(fmt.Sprint(args...))) }
func (t *processTB) Fatalf(format string, args ...any) { panic(fatal(fmt.Sprintf(format, args...))) }

func (t *processTB) TempDir() string {
	dir, err := os.MkdirTemp("", "benchregistry-")
	if err != nil {
		t.Fatalf("benchregistry: %v", err)
	}
	t.dirs = append(t.dirs, dir)
	return dir
}

// do runs f, turning a Fatal[f] of the test helpers it calls into an error.
func (t *processTB) do(f func()) (err error) {
	defer func() {
		if r := recover(); r != nil {
			msg, ok := r.(fatal)
			if !ok {
				panic(r)
			}
			err = errors.New(string(msg))
		}
	}()
	f()
	return nil
}

// start starts a registry, turning a Fatalf into an error.
func (t *processTB) start(kind testregistry.Kind) (reg *testregistry.Registry, err error) {
	if err := t.do(func() { reg = testregistry.Start(t, kind) }); err != nil {
		return nil, fmt.Errorf("start %s registry: %w", kind, err)
	}
	return reg, nil
}

// cleanup stops the registries (last started first) and removes their files.
func (t *processTB) cleanup() {
	for i := len(t.cleanups) - 1; i >= 0; i-- {
		t.cleanups[i]()
	}
	for _, d := range t.dirs {
		_ = os.RemoveAll(d)
	}
}
