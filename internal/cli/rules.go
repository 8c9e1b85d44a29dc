package cli

import "github.com/spf13/cobra"

// ruleCommands are the NodeFeatureRule and cluster commands: validate, test,
// dryrun, schedule.
func ruleCommands() []*cobra.Command {
	return nil
}
