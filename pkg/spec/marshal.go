package spec

import (
	"errors"

	"sigs.k8s.io/yaml"
)

// Marshal renders a spec as YAML, the way upstream NFD writes it.
func Marshal(s *Spec) ([]byte, error) {
	if s == nil {
		return nil, errors.New("cannot marshal a nil compatibility spec")
	}
	return yaml.Marshal(s)
}
