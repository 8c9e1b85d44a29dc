// Package testpki issues the certificates tests need: Issue makes a P-256
// key and a certificate for it from a template, self-signed or signed by a
// parent Pair, with both PEM-encoded; Write puts a pair in a directory as
// tls.crt and tls.key. It is the one place tests and the test control plane
// generate key material.
package testpki
