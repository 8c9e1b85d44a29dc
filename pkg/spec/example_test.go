package spec_test

import (
	"errors"
	"fmt"

	"github.com/nfd-compat/nfd-compat/pkg/spec"
)

func ExampleParse() {
	_, problems, err := spec.Parse([]byte(`version: v1alpha1
compatibilities:
- rules:
  - name: cpu
    matchFeatures:
    - feature: cpu.model
      matchExpressions:
        vendor_id: {op: In}
`))
	for _, p := range problems {
		fmt.Println(p)
	}
	fmt.Println(errors.Is(err, spec.ErrInvalid))
	// Output:
	// line 8: compatibilities[0].rules[0].matchFeatures[0].matchExpressions.vendor_id.value: op "In" needs at least one value; add value: ["..."]
	// true
}
