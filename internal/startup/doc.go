// Package startup is the first of nfd-compat's packages to initialise: it
// chooses how many Ps (GOMAXPROCS) the Go scheduler starts with, before the
// packages nfd-compat links run their package initialisation.
//
// `nfd-compat validate-node` checking this host is a short sequential job
// (package initialisation, four registry requests one after the other, a few
// feature sources, one evaluation), and with a second P the scheduler wakes a
// second OS thread for every goroutine hand-off (the HTTP transport's read
// and write loops, background goroutines started at initialisation), which
// spins looking for work: about 0.8 ms of CPU and wall time of a 16 ms run
// (docs/validate-node.md, Performance). So that process starts on one P
// (OneProc). The modes that work in parallel, fleet (--features-file) and
// --cluster, give the process its CPUs back before they start (AllProcs). A
// GOMAXPROCS set in the environment is left alone.
//
// Being first is Go's initialisation order: packages initialise in
// import-path order as soon as the packages they import have, and this one
// imports only os and runtime, so it runs before any third-party package
// (cmd/nfd-compat's TestStartupInitialisesFirst checks it in the built
// binary). cmd/nfd-compat imports it for that effect alone.
package startup
