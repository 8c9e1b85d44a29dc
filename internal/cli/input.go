package cli

import (
	"fmt"
	"io"
	"os"

	"github.com/spf13/cobra"

	"github.com/nfd-compat/nfd-compat/pkg/spec"
	"github.com/nfd-compat/nfd-compat/pkg/target"
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
	data, err := io.ReadAll(io.LimitReader(r, spec.MaxSpecSize+1))
	if err != nil {
		return nil, name, fmt.Errorf("read spec %s: %w", name, err)
	}
	if len(data) > spec.MaxSpecSize {
		return nil, name, fmt.Errorf("spec %s is more than the limit of %d bytes; drop unused sets, or share rules with YAML anchors", name, spec.MaxSpecSize)
	}
	return data, name, nil
}

// specInput is where a command's spec comes from: the compat artifact of an
// image, or a local file.
type specInput struct {
	Image *target.ImageOptions
	Data  []byte
	Name  string
}

// imageOrSpecFile reads the two ways a command gets a spec: IMAGE (ref) or a
// file named by fileFlag (file; - for stdin). Exactly one must be given.
func imageOrSpecFile(cmd *cobra.Command, image *imageFlags, ref, file, fileFlag, verb string) (specInput, error) {
	switch {
	case ref != "" && file != "":
		return specInput{}, fmt.Errorf("give either IMAGE or %s, not both", fileFlag)
	case file != "":
		if file == "-" && image.UsesStdin() {
			return specInput{}, fmt.Errorf("%s - and a --registry-*-stdin flag both want stdin: put the spec in a file", fileFlag)
		}
		data, name, err := readSpecFile(cmd, file)
		return specInput{Data: data, Name: name}, err
	case ref != "":
		opts, err := image.options(cmd, ref)
		if err != nil {
			return specInput{}, err
		}
		return specInput{Image: &opts}, nil
	}
	return specInput{}, fmt.Errorf("nothing to %s: give IMAGE or %s FILE", verb, fileFlag)
}

// firstArg is args[0], or "" when there is none.
func firstArg(args []string) string {
	if len(args) == 0 {
		return ""
	}
	return args[0]
}
