package schedule

import (
	"encoding/json"
	"testing"

	corev1 "k8s.io/api/core/v1"
)

func in(key string, values ...string) corev1.NodeSelectorRequirement {
	return corev1.NodeSelectorRequirement{Key: key, Operator: corev1.NodeSelectorOpIn, Values: values}
}

func termsJSON(t *testing.T, terms []corev1.NodeSelectorTerm) string {
	t.Helper()
	b, err := json.Marshal(terms)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

// TestAndTerms: the product of two ORed term lists, an expression a term
// holds is not added twice, a term two In expressions on one key with no
// common value make unmatchable is dropped, unless every term is.
func TestAndTerms(t *testing.T) {
	a := []corev1.NodeSelectorTerm{
		{MatchExpressions: []corev1.NodeSelectorRequirement{in("arch", "amd64"), in("set.a", "true")}},
		{MatchExpressions: []corev1.NodeSelectorRequirement{in("arch", "arm64", "amd64")}},
	}
	b := []corev1.NodeSelectorTerm{
		{MatchExpressions: []corev1.NodeSelectorRequirement{in("arch", "amd64"), in("set.b", "true")}},
		{MatchExpressions: []corev1.NodeSelectorRequirement{in("arch", "s390x")}},
	}
	got := termsJSON(t, AndTerms(a, b))
	want := termsJSON(t, []corev1.NodeSelectorTerm{
		{MatchExpressions: []corev1.NodeSelectorRequirement{in("arch", "amd64"), in("set.a", "true"), in("set.b", "true")}},
		{MatchExpressions: []corev1.NodeSelectorRequirement{in("arch", "arm64", "amd64"), in("arch", "amd64"), in("set.b", "true")}},
	})
	if got != want {
		t.Fatalf("AndTerms:\n%s\nwant\n%s", got, want)
	}
	none := AndTerms(a[:1], b[1:])
	if len(none) != 1 || len(none[0].MatchExpressions) != 3 {
		t.Fatalf("every term unmatchable: %s, want it kept", termsJSON(t, none))
	}
	// A pod admitted again: the same terms.
	once := AndTerms(a, b)
	if got, want := termsJSON(t, AndTerms(once, b)), termsJSON(t, once); got != want {
		t.Fatalf("again:\n%s\nwant\n%s", got, want)
	}
}
