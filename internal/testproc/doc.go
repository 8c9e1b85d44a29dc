// Package testproc runs a test binary's helper test in several processes at
// once, as containerd starts one verifier process per pull, for tests of
// what separate processes share on disk.
package testproc
