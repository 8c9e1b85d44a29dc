package cli

import (
	"os"
	"time"

	"github.com/spf13/cobra"

	"github.com/nfd-compat/nfd-compat/internal/cli/option"
	"github.com/nfd-compat/nfd-compat/pkg/cmd/audit"
	"github.com/nfd-compat/nfd-compat/pkg/policy"
)

func auditCommand() *cobra.Command {
	var (
		out      option.Output
		config   string
		cacheDir string
		files    []string
		since    string
		recent   int
	)
	cmd := &cobra.Command{
		Use:   "audit",
		Short: "Summarise the verifier's audit log: counts, what enforce would refuse, recent refusals and warnings",
		Long: `Read <cache_dir>/audit.jsonl (after the rotated audit.jsonl.1), one record per
pull decision of nfd-compat-verifier or containerd-nfd, and print:

  counts           records by decision (allow, warn, deny) and verdict
  would refuse     images warn mode allowed that enforce mode would have
                   refused, with how often and the last reason: run warn mode
                   for a week, then read this before switching to enforce
  refused          images refused
  recent           the newest refusals and warnings

cache_dir is the policy's (the stanza in --config). Lines that are not
records (a torn write, garbage) are counted and skipped. The file is streamed:
memory does not grow with its size.

Exit codes: 0 summary printed, 2 no audit log or a read error.`,
		Example: `  sudo nfd-compat audit --since 7d
  nfd-compat audit --file audit.jsonl -o json`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			format, err := out.Parse()
			if err != nil {
				return err
			}
			from, err := audit.ParseSince(since, time.Now())
			if err != nil {
				return err
			}
			if cacheDir == "" && len(files) == 0 {
				pol, _, err := policy.Load(policy.ConfigFile(config, os.Getenv))
				if pol == nil {
					return err
				}
				cacheDir = pol.CacheDir
			}
			return audit.Run(cmd.Context(), audit.Options{Files: files, CacheDir: cacheDir, Since: from, Recent: recent,
				Output: format, Stdout: cmd.OutOrStdout()})
		},
	}
	fs := cmd.Flags()
	out.AddFlags(fs)
	fs.StringVar(&config, "config", "", "containerd's config.toml, for the policy's cache_dir (default $"+policy.ConfigEnv+", else "+policy.DefaultConfigFile+")")
	fs.StringVar(&cacheDir, "cache-dir", "", "read <cache-dir>/audit.jsonl instead of the policy's cache_dir")
	fs.StringArrayVar(&files, "file", nil, "audit log file to read (repeatable, oldest first); overrides --cache-dir")
	fs.StringVar(&since, "since", "", "only records from this time on: RFC 3339, a duration (36h) or days (7d)")
	fs.IntVar(&recent, "recent", audit.DefaultRecent, "how many recent refusals and warnings to list")
	return cmd
}
