package option

import (
	"bufio"
	"errors"
	"fmt"
	"io"
	"strings"

	"github.com/spf13/pflag"

	"github.com/nfd-compat/nfd-compat/pkg/target"
)

// Remote are the flags that say where an image lives and how to reach it.
// The credential flags keep upstream `nfd compat` spelling.
type Remote struct {
	OCILayout     bool
	PlainHTTP     bool
	Insecure      bool
	CAFile        string
	Username      string
	PasswordStdin bool
	TokenStdin    bool
}

// AddFlags registers the flags.
func (o *Remote) AddFlags(fs *pflag.FlagSet) {
	fs.BoolVar(&o.OCILayout, "oci-layout", false, "IMAGE is an OCI image layout: DIR:TAG or DIR@DIGEST")
	fs.BoolVar(&o.PlainHTTP, "plain-http", false, "talk HTTP instead of HTTPS to the registry")
	fs.BoolVar(&o.Insecure, "insecure", false, "skip TLS certificate verification")
	fs.StringVar(&o.CAFile, "ca-file", "", "PEM file of CA certificates to trust for the registry")
	fs.StringVar(&o.Username, "registry-username", "", "registry user name (default: docker config.json and its credential helpers)")
	fs.BoolVar(&o.PasswordStdin, "registry-password-stdin", false, "read the registry password from stdin")
	fs.BoolVar(&o.TokenStdin, "registry-token-stdin", false, "read a registry access token from stdin")
}

// UsesStdin reports whether the secret is read from stdin.
func (o *Remote) UsesStdin() bool { return o.PasswordStdin || o.TokenStdin }

// Options turns the flags into target options, reading a secret from stdin
// when asked. The secret is never echoed or logged.
func (o *Remote) Options(stdin io.Reader) (target.Options, error) {
	opts := target.Options{OCILayout: o.OCILayout, PlainHTTP: o.PlainHTTP, Insecure: o.Insecure, CAFile: o.CAFile}
	if o.PasswordStdin && o.TokenStdin {
		return opts, errors.New("--registry-password-stdin and --registry-token-stdin exclude each other: pick one")
	}
	if o.PasswordStdin && o.Username == "" {
		return opts, errors.New("--registry-password-stdin needs --registry-username")
	}
	if o.Username != "" && !o.UsesStdin() {
		return opts, errors.New("--registry-username needs --registry-password-stdin (passwords are never taken as flags, so they stay out of shell history)")
	}
	if !o.UsesStdin() {
		return opts, nil
	}
	secret, err := readSecret(stdin)
	if err != nil {
		return opts, err
	}
	creds := &target.Credentials{Username: o.Username}
	if o.TokenStdin {
		creds.Token = secret
	} else {
		creds.Password = secret
	}
	opts.Credentials = creds
	return opts, nil
}

func readSecret(r io.Reader) (string, error) {
	line, err := bufio.NewReader(io.LimitReader(r, 64<<10)).ReadString('\n')
	if err != nil && !errors.Is(err, io.EOF) {
		return "", fmt.Errorf("read secret from stdin: %w", err)
	}
	secret := strings.TrimRight(line, "\r\n")
	if secret == "" {
		return "", errors.New("stdin gave an empty secret: pipe it in, e.g. `echo \"$TOKEN\" | nfd-compat ... --registry-token-stdin`")
	}
	return secret, nil
}
