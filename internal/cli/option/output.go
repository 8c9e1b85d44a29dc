package option

import (
	"github.com/spf13/pflag"

	"github.com/nfd-compat/nfd-compat/pkg/output"
)

// Output is the -o/--output flag.
type Output struct {
	Value string
}

// AddFlags registers the flag.
func (o *Output) AddFlags(fs *pflag.FlagSet) {
	fs.StringVarP(&o.Value, "output", "o", "table", "output format: table, json or yaml")
}

// Parse checks the value.
func (o *Output) Parse() (output.Format, error) { return output.ParseFormat(o.Value) }
