package testproc

import (
	"bytes"
	"os"
	"os/exec"
	"testing"
)

// Run starts n processes of this test binary that run only the test named
// test, the i-th with env(i) added to its environment, and waits for all of
// them. Each process that fails is reported with its output, and t stops
// once all have ended.
func Run(t testing.TB, test string, n int, env func(i int) []string) {
	t.Helper()
	cmds := make([]*exec.Cmd, n)
	outs := make([]*bytes.Buffer, n)
	for i := range cmds {
		cmds[i] = exec.Command(os.Args[0], "-test.run=^"+test+"$", "-test.count=1")
		cmds[i].Env = append(os.Environ(), env(i)...)
		outs[i] = &bytes.Buffer{}
		cmds[i].Stdout, cmds[i].Stderr = outs[i], outs[i]
		if err := cmds[i].Start(); err != nil {
			cmds = cmds[:i]
			t.Errorf("start process %d: %v", i, err)
			break
		}
	}
	for i, c := range cmds {
		if err := c.Wait(); err != nil {
			t.Errorf("process %d: %v\n%s", i, err, outs[i])
		}
	}
	if t.Failed() {
		t.FailNow()
	}
}
