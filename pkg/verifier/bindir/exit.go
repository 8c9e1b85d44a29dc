package bindir

// Exit codes: containerd allows the pull on 0 and refuses it on
// anything else.
const (
	ExitAllow  = 0
	ExitRefuse = 1
	// ExitUsage answers -h (containerd never passes it; non-zero anyway).
	ExitUsage = 2
)
