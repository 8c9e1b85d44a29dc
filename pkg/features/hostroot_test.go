package features

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/nfd-compat/nfd-compat/internal/testenv"
)

func TestDiscoverHostRoot(t *testing.T) {
	before := currentHostDirs()
	f, err := Discover(context.Background(), DiscoverOptions{
		HostRoot: "testdata/hostroot",
		Sources:  []string{"kernel", "system", "cpu", "memory"},
	})
	if err != nil {
		t.Fatal(err)
	}
	if currentHostDirs() != before {
		t.Errorf("NFD host dirs not restored: %+v, was %+v", currentHostDirs(), before)
	}
	want := map[string]map[string]string{
		"system.osrelease": {"ID": "fixtureos", "VERSION_ID": "42.7", "VERSION_ID.major": "42", "VERSION_ID.minor": "7"},
		"system.dmiid":     {"sys_vendor": "Fixture Vendor", "product_name": "Fixture Box 1", "bios_version": "FX1.0"},
		"kernel.selinux":   {"enabled": "true"},
		"kernel.kvm":       {"enabled": "false"},
		"cpu.topology":     {"hardware_multithreading": "true", "socket_count": "2"},
		"memory.numa":      {"is_numa": "true", "node_count": "2"},
		"memory.swap":      {"enabled": "true"},
	}
	for attr, elems := range want {
		for k, v := range elems {
			if got := f.Attributes[attr].Elements[k]; got != v {
				t.Errorf("%s.%s = %q, want %q", attr, k, got, v)
			}
		}
	}
	// Read without the host prefix by NFD itself: still this host's kernel.
	if f.Attributes["kernel.version"].Elements["full"] == "" {
		t.Error("kernel.version missing")
	}
}

func TestDiscoverHostPrefix(t *testing.T) {
	// "<dir>/hostroot/" as a prefix is the same as HostRoot "<dir>/hostroot".
	abs, err := filepath.Abs("testdata/hostroot")
	if err != nil {
		t.Fatal(err)
	}
	f, err := Discover(context.Background(), DiscoverOptions{HostPrefix: abs + "/", Sources: []string{"system"}})
	if err != nil {
		t.Fatal(err)
	}
	if got := f.Attributes["system.osrelease"].Elements["ID"]; got != "fixtureos" {
		t.Errorf("ID = %q, want fixtureos", got)
	}
	if d := prefixedHostDirs("/host-"); d.sys != "/host-sys" || d.proc != "/host-proc" || d.etc != "/host-etc" {
		t.Errorf("prefix /host- gives %+v", d)
	}
}

// TestDiscoverBuiltinModules checks that LibDir follows the host root: NFD
// reads lib/modules/<running kernel>/modules.builtin under it.
func TestDiscoverBuiltinModules(t *testing.T) {
	raw, err := os.ReadFile("/proc/sys/kernel/osrelease")
	if err != nil {
		testenv.Missing(t, "no /proc/sys/kernel/osrelease: %v", err)
	}
	root := t.TempDir()
	dir := filepath.Join(root, "lib", "modules", strings.TrimSpace(string(raw)))
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "modules.builtin"), []byte("kernel/fs/fixturefs/fixturefs.ko\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	f, err := Discover(context.Background(), DiscoverOptions{HostRoot: root, Sources: []string{"kernel"}})
	if err != nil {
		t.Fatal(err)
	}
	if _, ok := f.Flags["kernel.enabledmodule"].Elements["fixturefs"]; !ok {
		t.Errorf("kernel.enabledmodule = %v, want fixturefs", f.Flags["kernel.enabledmodule"].Elements)
	}
}
