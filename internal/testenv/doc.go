// Package testenv decides what a test does when a required component (a
// daemon, a built binary, root) is missing: skip with the reason on a
// developer's machine, fail under CI, so that CI can never pass by skipping.
// Deps lists what packages link, for tests that keep a dependency out.
package testenv
