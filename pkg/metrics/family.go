package metrics

import (
	"bytes"
	"fmt"
)

// Header appends a metric family's HELP and TYPE lines (Prometheus text
// format) to b; its samples follow.
func Header(b *bytes.Buffer, name, kind, help string) {
	fmt.Fprintf(b, "# HELP %s %s\n# TYPE %s %s\n", name, help, name, kind)
}

// Value appends a family of one sample without labels.
func Value(b *bytes.Buffer, name, kind, help string, v int64) {
	Header(b, name, kind, help)
	fmt.Fprintf(b, "%s %d\n", name, v)
}
