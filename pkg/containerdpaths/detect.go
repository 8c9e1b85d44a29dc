package containerdpaths

import (
	"fmt"
	"os"
	"path/filepath"
)

// Found is the layout Detect picked, and why.
type Found struct {
	Layout
	// Why says what decided, e.g. "socket /run/k3s/containerd/containerd.sock exists".
	Why string `json:"why"`
	// Others are further layouts present on the node; the caller's flags
	// pick one of them instead.
	Others []Layout `json:"others,omitempty"`
}

// String is the one-line account doctor prints.
func (f Found) String() string {
	s := fmt.Sprintf("%s: socket %s, config %s", f.Distro, f.Address, f.Config)
	if f.Template != "" {
		s += ", template " + f.Template
	}
	s += " (" + f.Why + ")"
	for _, o := range f.Others {
		s += fmt.Sprintf("; also found %s (socket %s, config %s)", o.Distro, o.Address, o.Config)
	}
	return s
}

// Detect picks the node's containerd under root ("" for the node itself):
// the first layout (in Layouts' order) that is present and whose socket
// exists; else the first present one; else Stock, containerd's defaults.
// Present means: for k3s and RKE2, their agent/etc/containerd directory
// exists (it holds the generated config and the template); for stock, its
// config or socket exists. The socket path alone does not tell k3s from
// RKE2: they share it. Nothing is connected to; only stat is called.
func Detect(root string) Found {
	var present []Layout
	live := -1
	for _, l := range Layouts(root) {
		if !l.present() {
			continue
		}
		if live < 0 && isSocket(l.Address) {
			live = len(present)
		}
		present = append(present, l)
	}
	if len(present) == 0 {
		return Found{Layout: Layouts(root)[2], Why: "nothing found: containerd's defaults"}
	}
	pick, why := 0, ""
	switch {
	case live >= 0:
		pick, why = live, "socket "+present[live].Address+" exists"
	case present[0].Distro == Stock:
		why = "config " + present[0].Config + " exists, no socket yet"
	default:
		why = filepath.Dir(present[0].Config) + " exists, no socket yet"
	}
	f := Found{Layout: present[pick], Why: why}
	for i, l := range present {
		if i != pick {
			f.Others = append(f.Others, l)
		}
	}
	return f
}

func (l Layout) present() bool {
	if l.Distro == Stock {
		return exists(l.Config) || isSocket(l.Address)
	}
	fi, err := os.Stat(filepath.Dir(l.Config))
	return err == nil && fi.IsDir()
}

func exists(p string) bool {
	_, err := os.Stat(p)
	return err == nil
}

func isSocket(p string) bool {
	fi, err := os.Stat(p)
	return err == nil && fi.Mode()&os.ModeSocket != 0
}
