package cli

import (
	"bytes"
	"strings"
	"testing"
)

// TestSpecSourceChoice: commands that take IMAGE or a spec file refuse both,
// neither, and a stdin clash, before touching any registry.
func TestSpecSourceChoice(t *testing.T) {
	for _, tc := range []struct {
		args []string
		want string
	}{
		{[]string{"validate-spec", "reg.example/app:v1", "--file", "x.yaml"}, "give either IMAGE or --file"},
		{[]string{"validate-spec"}, "nothing to validate: give IMAGE or --file FILE"},
		{[]string{"validate-node", "reg.example/app:v1", "--spec", "x.yaml"}, "give either IMAGE or --spec"},
		{[]string{"validate-node", "--image", "a/b:1", "c/d:2"}, "IMAGE and --image name different images"},
		{[]string{"schedule", "--spec", "-", "reg.example/app:v1"}, "give either IMAGE or --spec"},
		{[]string{"schedule"}, "nothing to schedule"},
		{[]string{"validate-spec", "--file", "-", "--registry-token-stdin"}, "both want stdin"},
	} {
		cmd := New()
		cmd.SetArgs(tc.args)
		var out bytes.Buffer
		cmd.SetOut(&out)
		cmd.SetErr(&out)
		err := cmd.Execute()
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%v: error %v, want %q", tc.args, err, tc.want)
		}
		if ExitCode(err) != ExitError {
			t.Errorf("%v: exit %d, want %d", tc.args, ExitCode(err), ExitError)
		}
	}
}
