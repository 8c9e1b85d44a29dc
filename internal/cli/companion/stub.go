package companion

import (
	"fmt"
	"os"

	"github.com/spf13/cobra"
)

// Exec replaces the process with the executable at path, as syscall.Exec
// does; tests pass one that records its arguments.
type Exec func(path string, argv, env []string) error

// Stub returns the nfd-compat command standing for the companion's
// command of the same description (desc: one of the description
// constructors, as the companion's constructor starts from it). It parses
// no flags: every argument after the command's name, --help included, is
// the companion's, so `nfd-compat pull --help` prints the real command's
// flags; `nfd-compat help CMD` and shell completion of its arguments are
// the companion's as well. The
// command found, the process becomes the companion; found not,
// the error (ErrMissing, exit code 2) names it and says how to install it.
func Stub(bin Binary, desc func() *cobra.Command, exec Exec) *cobra.Command {
	cmd := desc()
	name := cmd.Name()
	cmd.Long += fmt.Sprintf("\n\nRun by %s, installed next to nfd-compat; for its flags:\nnfd-compat %s --help", bin.Name, name)
	cmd.DisableFlagParsing = true
	run := func(args ...string) error {
		self, _ := os.Executable() // empty when unknown: $PATH alone is searched
		path, err := Find(self, bin.Name)
		if err != nil {
			return fmt.Errorf("nfd-compat %s: %w; %s", name, err, bin.Install)
		}
		if err := exec(path, append([]string{path}, args...), os.Environ()); err != nil {
			return fmt.Errorf("nfd-compat %s: run %s: %w", name, path, err)
		}
		return nil
	}
	cmd.RunE = func(_ *cobra.Command, args []string) error { return run(append([]string{name}, args...)...) }
	// `nfd-compat help pull` is the companion's `pull --help` (its flags);
	// without the companion, the description above.
	describe := cmd.HelpFunc()
	cmd.SetHelpFunc(func(c *cobra.Command, args []string) {
		if run(name, "--help") != nil {
			describe(c, args)
		}
	})
	// Shell completion (cobra's hidden __complete command) is the
	// companion's too: it knows the flags. Found not, nothing is offered.
	cmd.ValidArgsFunction = func(_ *cobra.Command, args []string, toComplete string) ([]cobra.Completion, cobra.ShellCompDirective) {
		_ = run(append(append([]string{cobra.ShellCompRequestCmd, name}, args...), toComplete)...)
		return nil, cobra.ShellCompDirectiveNoFileComp
	}
	return cmd
}
