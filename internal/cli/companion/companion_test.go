package companion

import (
	"bytes"
	"errors"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/spf13/cobra"
)

// executable writes an executable file (or, with mode 0o644, a plain one)
// named name into dir.
func executable(t *testing.T, dir, name string, mode os.FileMode) string {
	t.Helper()
	p := filepath.Join(dir, name)
	if err := os.WriteFile(p, []byte("#!/bin/sh\n"), mode); err != nil {
		t.Fatal(err)
	}
	return p
}

// TestFind: next to nfd-compat first, then $PATH; a non-executable file or
// a directory there does not count; found nowhere is ErrMissing naming
// both places.
func TestFind(t *testing.T) {
	self, onPath := t.TempDir(), t.TempDir()
	const name = "nfd-compat-containerd"
	t.Setenv("PATH", onPath)
	nfdCompat := filepath.Join(self, "nfd-compat")

	_, err := Find(nfdCompat, name)
	if !errors.Is(err, ErrMissing) || !strings.Contains(err.Error(), filepath.Join(self, name)) || !strings.Contains(err.Error(), "$PATH") {
		t.Fatalf("nowhere: %v, want ErrMissing naming %s and $PATH", err, filepath.Join(self, name))
	}
	if err := os.Mkdir(filepath.Join(self, name), 0o755); err != nil {
		t.Fatal(err)
	}
	pathOne := executable(t, onPath, name, 0o755)
	if got, err := Find(nfdCompat, name); err != nil || got != pathOne {
		t.Errorf("a directory next to nfd-compat, one on $PATH: %q, %v; want %s", got, err, pathOne)
	}
	if err := os.Remove(filepath.Join(self, name)); err != nil {
		t.Fatal(err)
	}
	executable(t, self, name, 0o644)
	if got, err := Find(nfdCompat, name); err != nil || got != pathOne {
		t.Errorf("not executable next to nfd-compat: %q, %v; want %s", got, err, pathOne)
	}
	next := executable(t, self, name+".x", 0o755)
	if err := os.Rename(next, filepath.Join(self, name)); err != nil {
		t.Fatal(err)
	}
	next = filepath.Join(self, name)
	if got, err := Find(nfdCompat, name); err != nil || got != next {
		t.Errorf("both: %q, %v; want the one next to nfd-compat, %s", got, err, next)
	}
	if got, err := Find("", name); err != nil || got != pathOne {
		t.Errorf("own executable unknown: %q, %v; want $PATH's %s", got, err, pathOne)
	}
}

// root is a nfd-compat-like root with bin's stubs run by exec.
func root(bin Binary, exec Exec) *cobra.Command {
	r := &cobra.Command{Use: "nfd-compat", SilenceErrors: true, SilenceUsage: true}
	for _, desc := range bin.Commands {
		r.AddCommand(Stub(bin, desc, exec))
	}
	return r
}

// TestStubExecs: the stub hands every argument, flags and --help included,
// to the companion found next to the executable, unparsed, and returns what
// exec returns.
func TestStubExecs(t *testing.T) {
	self, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}
	bin := Binary{Name: filepath.Base(self), Install: "install it", Commands: Containerd().Commands}
	for _, args := range [][]string{
		{"pull", "--platform", "linux/arm64", "--unknown-flag", "reg.example/app:v1"},
		{"doctor", "--help"},
		{"check-images", "-A", "-o", "json"},
		{"pull"},
	} {
		var gotPath string
		var gotArgv []string
		r := root(bin, func(path string, argv, env []string) error {
			gotPath, gotArgv = path, argv
			if len(env) == 0 {
				t.Error("no environment passed")
			}
			return nil
		})
		r.SetArgs(args)
		var out bytes.Buffer
		r.SetOut(&out)
		if err := r.Execute(); err != nil {
			t.Errorf("%v: %v", args, err)
		}
		if gotPath != self || !slices.Equal(gotArgv, append([]string{self}, args...)) {
			t.Errorf("%v: exec %q %q; want %q %q", args, gotPath, gotArgv, self, append([]string{self}, args...))
		}
		if out.Len() != 0 {
			t.Errorf("%v: the stub printed %q itself", args, out.String())
		}
	}
	r := root(bin, func(string, []string, []string) error { return errors.New("exec format error") })
	r.SetArgs([]string{"doctor"})
	if err := r.Execute(); err == nil || !strings.Contains(err.Error(), "run "+self+": exec format error") {
		t.Errorf("exec failing: %v, want it named with the path", err)
	}
}

// TestStubMissing: no companion anywhere is ErrMissing naming the command,
// the binary and how to install it; nothing is run.
func TestStubMissing(t *testing.T) {
	t.Setenv("PATH", t.TempDir())
	bin := Containerd()
	r := root(bin, func(string, []string, []string) error {
		t.Error("exec called without a companion")
		return nil
	})
	r.SetArgs([]string{"pull", "reg.example/app:v1"})
	err := r.Execute()
	if !errors.Is(err, ErrMissing) {
		t.Fatalf("err = %v, want ErrMissing", err)
	}
	for _, want := range []string{"nfd-compat pull", "nfd-compat-containerd", "$PATH", bin.Install} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("error %q does not say %q", err, want)
		}
	}
}

// TestStubHelp: `help pull` is the companion's `pull --help`; without the
// companion it describes the command as the companion's own help does, and
// says where its flags are.
func TestStubHelp(t *testing.T) {
	self, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}
	var gotArgv []string
	r := root(Binary{Name: filepath.Base(self), Commands: Containerd().Commands}, func(_ string, argv, _ []string) error {
		gotArgv = argv
		return nil
	})
	r.SetArgs([]string{"help", "pull"})
	r.SetOut(new(bytes.Buffer))
	if err := r.Execute(); err != nil {
		t.Fatal(err)
	}
	if want := []string{self, "pull", "--help"}; !slices.Equal(gotArgv, want) {
		t.Errorf("help pull ran %q, want %q", gotArgv, want)
	}

	t.Setenv("PATH", t.TempDir())
	r = root(Containerd(), func(string, []string, []string) error {
		t.Error("help ran a missing companion")
		return nil
	})
	r.SetArgs([]string{"help", "pull"})
	var out bytes.Buffer
	r.SetOut(&out)
	if err := r.Execute(); err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{Pull().Long, "nfd-compat pull registry.example.com/app:v1", "nfd-compat pull --help", "nfd-compat-containerd"} {
		if !strings.Contains(out.String(), want) {
			t.Errorf("help pull lacks %q:\n%s", want, out.String())
		}
	}
}

// TestStubCompletes: shell completion of a stub's arguments and flags is
// the companion's (cobra's __complete request, handed on as it came).
func TestStubCompletes(t *testing.T) {
	self, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}
	bin := Binary{Name: filepath.Base(self), Install: "install it", Commands: Containerd().Commands}
	for _, args := range [][]string{{"pull", "--plat"}, {"check-images", "-A", ""}} {
		var gotArgv []string
		r := root(bin, func(_ string, argv, _ []string) error {
			gotArgv = argv
			return nil
		})
		r.SetArgs(append([]string{cobra.ShellCompRequestCmd}, args...))
		r.SetOut(new(bytes.Buffer))
		if err := r.Execute(); err != nil {
			t.Fatal(err)
		}
		want := append([]string{self, cobra.ShellCompRequestCmd}, args...)
		if !slices.Equal(gotArgv, want) {
			t.Errorf("__complete %q: exec %q, want %q", args, gotArgv, want)
		}
	}
}
