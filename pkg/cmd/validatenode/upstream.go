package validatenode

import (
	"encoding/json"
	"io"

	nfdv1alpha1 "sigs.k8s.io/node-feature-discovery/api/nfd/v1alpha1"
	nodevalidator "sigs.k8s.io/node-feature-discovery/pkg/client-nfd/compat/node-validator"

	"github.com/nfd-compat/nfd-compat/pkg/compat"
)

// writeUpstreamJSON prints what upstream `nfd compat validate-node
// --output-json` prints (its node-validator's CompatibilityStatus list), so
// scripts written for upstream keep working. Fleet mode prints one list per
// node, one per line.
func writeUpstreamJSON(w io.Writer, reports []NodeReport) error {
	enc := json.NewEncoder(w)
	for _, r := range reports {
		statuses := []*nodevalidator.CompatibilityStatus{}
		if r.Report != nil {
			for _, s := range r.Sets {
				statuses = append(statuses, upstreamStatus(s))
			}
		}
		if err := enc.Encode(statuses); err != nil {
			return err
		}
	}
	return nil
}

func upstreamStatus(s compat.SetReport) *nodevalidator.CompatibilityStatus {
	cs := &nodevalidator.CompatibilityStatus{Description: s.Description, Weight: s.Weight, Tag: s.Tag}
	for _, r := range s.Rules {
		rs := nodevalidator.ProcessedRuleStatus{Name: r.Name, IsMatch: r.IsMatch, MatchedExpressions: upstreamExprs(r.Expressions)}
		for _, m := range r.MatchAny {
			rs.MatchedAny = append(rs.MatchedAny, nodevalidator.MatchAnyElem{MatchedExpressions: upstreamExprs(m.Expressions)})
		}
		cs.Rules = append(cs.Rules, rs)
	}
	return cs
}

func upstreamExprs(es []compat.ExprReport) []nodevalidator.MatchedExpression {
	out := make([]nodevalidator.MatchedExpression, 0, len(es))
	for _, e := range es {
		out = append(out, nodevalidator.MatchedExpression{
			Feature: e.Feature,
			Name:    e.Key,
			Expression: &nfdv1alpha1.MatchExpression{
				Op: nfdv1alpha1.MatchOp(e.Op), Value: e.Value, Type: nfdv1alpha1.ValueType(e.Type),
			},
			MatcherType: nodevalidator.MatcherType(e.MatcherType),
			IsMatch:     e.IsMatch,
		})
	}
	return out
}
