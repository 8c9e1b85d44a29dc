package cli

import (
	"fmt"
	"io"
	"os"

	"github.com/spf13/cobra"

	"github.com/nfd-compat/nfd-compat/pkg/spec"
)

// readSpecFile reads a spec from path, or stdin for "-", refusing anything
// over the spec size limit instead of reading it all.
func readSpecFile(cmd *cobra.Command, path string) ([]byte, string, error) {
	var r io.Reader
	name := path
	if path == "-" {
		r, name = cmd.InOrStdin(), "<stdin>"
	} else {
		f, err := os.Open(path)
		if err != nil {
			return nil, name, fmt.Errorf("read spec: %w", err)
		}
		defer f.Close()
		r = f
	}
	data, err := io.ReadAll(io.LimitReader(r, spec.MaxSize+1))
	if err != nil {
		return nil, name, fmt.Errorf("read spec %s: %w", name, err)
	}
	if len(data) > spec.MaxSize {
		return nil, name, fmt.Errorf("spec %s is over the %d byte limit", name, spec.MaxSize)
	}
	return data, name, nil
}
