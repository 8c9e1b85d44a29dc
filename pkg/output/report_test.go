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
