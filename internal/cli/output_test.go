package cli

import (
	"bytes"
	"encoding/base64"
	"errors"
	"fmt"
	"strings"
	"testing"

	"github.com/nfd-compat/nfd-compat/internal/testregistry"
)

// TestEchoedCredentialsNotPrinted: a registry that echoes the request's
// Authorization header in its 401 body (testregistry.EchoAuthorization, a
// stand-in: no real registry echoes it) gets the password printed neither
// with -o json nor -v, nor on the exit path's "Error:" line.
func TestEchoedCredentialsNotPrinted(t *testing.T) {
	const user, password = "puller", "n0t-For-Your-Eyes"
	basic := base64.StdEncoding.EncodeToString([]byte(user + ":" + password))
	reg := testregistry.Start(t, testregistry.GGCRReferrers, testregistry.EchoAuthorization(401))
	ref := reg.Ref("app", "sha256:"+strings.Repeat("ab", 32))
	auth := []string{"--plain-http", "--registry-username", user, "--registry-password-stdin"}
	for _, args := range [][]string{
		append([]string{"list-specs", ref, "-o", "json"}, auth...),
		append([]string{"get-spec", ref}, auth...),
		append([]string{"validate-spec", ref, "-o", "json"}, auth...),
		append([]string{"validate-node", ref, "-o", "json", "-v"}, auth...),
	} {
		cmd := New()
		cmd.SetArgs(args)
		var out, errOut bytes.Buffer
		cmd.SetIn(strings.NewReader(password + "\n"))
		cmd.SetOut(&out)
		cmd.SetErr(&errOut)
		code := Exit(&errOut, cmd.Execute())
		if code != ExitError {
			t.Errorf("%v: exit %d, want %d; stderr: %s", args[0], code, ExitError, errOut.String())
		}
		all := out.String() + errOut.String()
		if strings.Contains(all, password) || strings.Contains(all, basic) {
			t.Errorf("%v: the secret was printed:\n%s", args[0], all)
		}
		if !strings.Contains(all, "refused access") {
			t.Errorf("%v: the refusal is not reported:\n%s", args[0], all)
		}
	}
}

// TestExitErrorEscaped: the exit path escapes control characters of an
// error (a rule name, a registry's message), keeping its newlines.
func TestExitErrorEscaped(t *testing.T) {
	var errOut bytes.Buffer
	err := fmt.Errorf("rule \"gpu\x1b]0;pwned\x07\": %w", errors.New("first\nsecond\x1b[2J"))
	if code := Exit(&errOut, err); code != ExitError {
		t.Errorf("exit %d, want %d", code, ExitError)
	}
	if want := "Error: rule \"gpu\\x1b]0;pwned\\x07\": first\nsecond\\x1b[2J\n"; errOut.String() != want {
		t.Errorf("stderr %q, want %q", errOut.String(), want)
	}
}
