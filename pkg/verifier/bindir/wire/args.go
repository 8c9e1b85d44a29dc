package wire

import "flag"

// Args are the bindir protocol's flags, as containerd passes them.
type Args struct {
	Name, Digest, MediaType string
}

// FlagSet returns the protocol's flag set, writing into a: the one
// definition of the flags, for the verifier (bindir.Run) and the client
// (which reads stdin only when the verifier would).
func (a *Args) FlagSet() *flag.FlagSet {
	fs := flag.NewFlagSet("nfd-compat-verifier", flag.ContinueOnError)
	fs.StringVar(&a.Name, "name", "", "the image reference containerd is pulling")
	fs.StringVar(&a.Digest, "digest", "", "the digest the reference resolved to")
	fs.StringVar(&a.MediaType, "stdin-media-type", "", "media type of stdin (containerd sends "+DescriptorMediaType+")")
	return fs
}

// ReadsStdin says whether the verifier reads stdin for args: only when they
// parse, name an image, and say stdin is a descriptor.
func ReadsStdin(args []string) bool {
	var a Args
	fs := a.FlagSet()
	fs.SetOutput(discard{})
	fs.Usage = func() {}
	return fs.Parse(args) == nil && a.Name != "" && a.MediaType == DescriptorMediaType
}

type discard struct{}

func (discard) Write(p []byte) (int, error) { return len(p), nil }
