package main

import (
	"os/exec"
	"slices"
	"strings"
	"testing"

	"github.com/nfd-compat/nfd-compat/internal/testenv"
)

const module = "github.com/nfd-compat/nfd-compat"

// importRuleViolations checks the layering every package of pkg/ keeps
// (imports maps a package to what it and its tests import):
//   - pkg/** never imports cobra or pflag: flags are internal/cli's;
//   - pkg/cmd/X never imports pkg/cmd/Y: what two commands share lives in
//     the package that owns its concept (compat.ErrIncompatible,
//     target.ImageOptions, artifact.Load);
//   - only pkg/cmd/* (and pkg/output itself) import pkg/output: domain
//     packages (compat, spec, artifact, features, policy, ...) return
//     values, rendering them is output's job;
//   - pkg/verifier, the verifier core, never imports its adapters (the
//     bindir protocol in pkg/verifier/bindir, the plugin in plugins/): both
//     call the core, the core knows neither.
func importRuleViolations(imports map[string][]string) []string {
	var bad []string
	for pkg, deps := range imports {
		rel, ok := strings.CutPrefix(pkg, module+"/")
		if !ok || !strings.HasPrefix(rel, "pkg/") {
			continue
		}
		cmd := ""
		if c, ok := strings.CutPrefix(rel, "pkg/cmd/"); ok {
			cmd, _, _ = strings.Cut(c, "/")
			cmd = strings.TrimSuffix(cmd, "_test")
		}
		for _, dep := range deps {
			switch d := strings.TrimPrefix(dep, module+"/"); {
			case strings.HasPrefix(dep, "github.com/spf13/cobra") || strings.HasPrefix(dep, "github.com/spf13/pflag"):
				bad = append(bad, pkg+" imports "+dep+": flags belong to internal/cli")
			case strings.HasPrefix(d, "pkg/cmd/") && cmd != "" && d != "pkg/cmd/"+cmd && !strings.HasPrefix(d, "pkg/cmd/"+cmd+"/"):
				bad = append(bad, pkg+" imports "+dep+": a command package imports another; move what they share to the package owning it")
			case d == "pkg/output" && cmd == "" && rel != "pkg/output":
				bad = append(bad, pkg+" imports "+dep+": a domain package renders; return values and render them in pkg/output or the command")
			case strings.TrimSuffix(rel, "_test") == "pkg/verifier" && (strings.HasPrefix(d, "pkg/verifier/") || strings.HasPrefix(d, "plugins/")):
				bad = append(bad, pkg+" imports "+dep+": the verifier core imports an adapter; adapters call the core")
			}
		}
	}
	slices.Sort(bad)
	return bad
}

// TestImportRules enforces importRuleViolations on the module.
func TestImportRules(t *testing.T) {
	if testing.Short() {
		t.Skip("runs go list")
	}
	out, err := exec.Command(testenv.GoTool(t), "list", "-f", "{{.ImportPath}} {{join .Imports \" \"}} {{join .TestImports \" \"}} {{join .XTestImports \" \"}}", module+"/...").Output()
	if err != nil {
		t.Fatalf("go list: %v", err)
	}
	imports := map[string][]string{}
	for _, line := range strings.Split(strings.TrimSpace(string(out)), "\n") {
		f := strings.Fields(line)
		imports[f[0]] = f[1:]
	}
	if len(imports) < 20 || imports[module+"/pkg/compat"] == nil {
		t.Fatalf("go list listed %d packages, not the module's", len(imports))
	}
	for _, v := range importRuleViolations(imports) {
		t.Error(v)
	}
}

// TestImportRuleViolations: each rule catches what it is for, and lets
// through what is allowed.
func TestImportRuleViolations(t *testing.T) {
	got := importRuleViolations(map[string][]string{
		module + "/pkg/cmd/schedule":          {module + "/pkg/cmd/compatspec", module + "/pkg/output", module + "/pkg/cmd/schedule/internal"},
		module + "/pkg/cmd/schedule_test":     {module + "/pkg/cmd/schedule"},
		module + "/pkg/compat":                {module + "/pkg/output"},
		module + "/pkg/output":                {module + "/pkg/compat"},
		module + "/pkg/target":                {"github.com/spf13/pflag"},
		module + "/internal/cli":              {"github.com/spf13/cobra", module + "/pkg/cmd/schedule", module + "/pkg/output"},
		module + "/pkg/cmd/validatenode_test": {module + "/pkg/cmd/validatenode", module + "/pkg/cmd/compatspec"},
		module + "/pkg/verifier":              {module + "/pkg/verifier/bindir"},
		module + "/pkg/verifier/bindir":       {module + "/pkg/verifier"},
		module + "/plugins/imageverifier":     {module + "/pkg/verifier", module + "/pkg/verifier/bindir"},
	})
	want := []string{
		module + "/pkg/cmd/schedule imports " + module + "/pkg/cmd/compatspec",
		module + "/pkg/cmd/validatenode_test imports " + module + "/pkg/cmd/compatspec",
		module + "/pkg/compat imports " + module + "/pkg/output",
		module + "/pkg/target imports github.com/spf13/pflag",
		module + "/pkg/verifier imports " + module + "/pkg/verifier/bindir",
	}
	if len(got) != len(want) {
		t.Fatalf("violations:\n%s\nwant %d", strings.Join(got, "\n"), len(want))
	}
	for i := range want {
		if !strings.HasPrefix(got[i], want[i]+":") {
			t.Errorf("violation %d = %q, want %q", i, got[i], want[i])
		}
	}
}
