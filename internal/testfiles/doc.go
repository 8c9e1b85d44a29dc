// Package testfiles is how tests write their input files and compare their
// output with golden files: Write puts a file under a directory (Socket a
// listening unix socket), Golden
// compares bytes with a file under testdata and rewrites it when the test
// binary runs with -update. The -update flag is registered here, once per
// test binary that imports the package; Update reports it for tests that
// regenerate other fixtures.
package testfiles
