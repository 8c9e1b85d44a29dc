// Package testlog gives tests a logrus logger that writes into a buffer,
// so that they can assert what a command or the verifier warned about.
package testlog
