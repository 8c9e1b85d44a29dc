package output_test

import (
	"bytes"
	"strings"
	"testing"

	"github.com/nfd-compat/nfd-compat/pkg/compat"
	"github.com/nfd-compat/nfd-compat/pkg/output"
)

func TestWriteReport(t *testing.T) {
	r := &compat.Report{Sets: []compat.SetReport{{
		SetRef: compat.SetRef{Index: 0, Tag: "gpu", Weight: 10},
		Rules: []compat.RuleReport{{
			Name: "kernel",
			Expressions: []compat.ExprReport{
				{Feature: "kernel.version", Key: "major", MatcherType: compat.MatchExpressionType, Op: "Gt", Value: []string{"5"}, Host: "4"},
				{Feature: "cpu.cpuid", MatcherType: compat.MatchNameType, Op: "InRegexp", Value: []string{"^AVX"}, IsMatch: true},
			},
		}},
	}}}
	var plain, colored bytes.Buffer
	if err := output.WriteReport(&plain, r, false); err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"#0 gpu (weight 10)", "kernel.version.major Gt [5]", "✔       cpu.cpuid (name) InRegexp [^AVX]", "FAIL"} {
		if !strings.Contains(plain.String(), want) {
			t.Errorf("table lacks %q:\n%s", want, plain.String())
		}
	}
	if strings.Contains(plain.String(), "\x1b[") {
		t.Errorf("colour without color:\n%q", plain.String())
	}
	if err := output.WriteReport(&colored, r, true); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(colored.String(), "\x1b[31mFAIL\x1b[0m") {
		t.Errorf("no red FAIL with color:\n%q", colored.String())
	}
}

// TestWriteTableEscapes: tags, rule names, values and host values from a spec
// or a features file cannot move the cursor, retitle the terminal or add
// rows; the table's own colours still work.
func TestWriteTableEscapes(t *testing.T) {
	r := &compat.Report{Sets: []compat.SetReport{{
		SetRef: compat.SetRef{Index: 0, Tag: "gpu\x1b[2J", Weight: 10},
		Rules: []compat.RuleReport{{
			Name:  "evil\x1b]0;pwned\x07\nfake row",
			Error: "bad\rvalue",
			Expressions: []compat.ExprReport{
				{Feature: "kernel.version", Key: "maj\u202eor", MatcherType: compat.MatchExpressionType, Op: "In", Value: []string{"5\t6"}, Host: "4\x9b2J"},
			},
		}},
	}}}
	var colored bytes.Buffer
	if err := output.WriteReport(&colored, r, true); err != nil {
		t.Fatal(err)
	}
	out := strings.ReplaceAll(strings.ReplaceAll(colored.String(), "\x1b[31m", ""), "\x1b[0m", "")
	if strings.ContainsAny(out, "\x1b\x07\r\u202e\u009b") {
		t.Errorf("control characters from the report reached the table:\n%q", colored.String())
	}
	for _, want := range []string{`gpu\x1b[2J`, `evil\x1b]0;pwned\x07\nfake row`, `bad\rvalue`, `maj\u202eor`, `[5\t6]`, `4\x9b2J`} {
		if !strings.Contains(out, want) {
			t.Errorf("table lacks %s:\n%s", want, out)
		}
	}
}
