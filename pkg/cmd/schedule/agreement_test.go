package schedule_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"testing"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/component-helpers/scheduling/corev1/nodeaffinity"
	nfdv1alpha1 "sigs.k8s.io/node-feature-discovery/api/nfd/v1alpha1"
	"sigs.k8s.io/node-feature-discovery/pkg/apis/nfd/nodefeaturerule"

	"github.com/nfd-compat/nfd-compat/pkg/cmd/schedule"
	"github.com/nfd-compat/nfd-compat/pkg/compat"
	"github.com/nfd-compat/nfd-compat/pkg/features"
	"github.com/nfd-compat/nfd-compat/pkg/output"
	"github.com/nfd-compat/nfd-compat/pkg/rules"
	"github.com/nfd-compat/nfd-compat/pkg/spec"
)

func glob(t *testing.T, patterns ...string) []string {
	var out []string
	for _, p := range patterns {
		m, err := filepath.Glob(p)
		if err != nil {
			t.Fatal(err)
		}
		out = append(out, m...)
	}
	return out
}

// fixtureNodes are every fixture node: exported features and NodeFeature objects.
func fixtureNodes(t *testing.T) []features.Node {
	var nodes []features.Node
	for _, f := range glob(t, "../../compat/testdata/features/*.json", "../../features/testdata/*.json", "../../features/testdata/*.yaml") {
		ns, err := features.Load(f)
		if err != nil {
			t.Fatalf("%s: %v", f, err)
		}
		for i := range ns {
			ns[i].Name = filepath.Base(f) + "/" + ns[i].Name
		}
		nodes = append(nodes, ns...)
	}
	return nodes
}

// nfdLabels runs a NodeFeatureRule on features as nfd-master does, calling
// NFD's own nodefeaturerule.Execute: rules in order, labels and vars fed
// back as rule.matched, a failing rule skipped.
func nfdLabels(nfr *nfdv1alpha1.NodeFeatureRule, host *features.Features) map[string]string {
	f := host.DeepCopy()
	labels := map[string]string{}
	for i := range nfr.Spec.Rules {
		out, err := execute(&nfr.Spec.Rules[i], f)
		if err != nil {
			continue
		}
		for k, v := range out.Labels {
			labels[k] = v
		}
		f.InsertAttributeFeatures(nfdv1alpha1.RuleBackrefDomain, nfdv1alpha1.RuleBackrefFeature, out.Labels)
		f.InsertAttributeFeatures(nfdv1alpha1.RuleBackrefDomain, nfdv1alpha1.RuleBackrefFeature, out.Vars)
	}
	return labels
}

func execute(r *nfdv1alpha1.Rule, f *nfdv1alpha1.Features) (out nodefeaturerule.RuleOutput, err error) {
	defer func() {
		if p := recover(); p != nil {
			err = fmt.Errorf("panic: %v", p)
		}
	}()
	return nodefeaturerule.Execute(r, f, true)
}

// TestAgreement: for every fixture node and spec, the NodeFeatureRule that
// schedule prints (parsed back from its YAML) labels a node with a set's
// label exactly when validate-node's evaluation says the set passes, and
// the affinity it prints selects exactly the compatible nodes, and scores
// each with its best set's mapped weight.
func TestAgreement(t *testing.T) {
	nodes := fixtureNodes(t)
	specs := glob(t, "../../../examples/*.yaml", "../../compat/testdata/specs/*.yaml")
	if len(nodes) < 8 || len(specs) < 6 {
		t.Fatalf("too few fixtures: %d nodes, %d specs", len(nodes), len(specs))
	}
	checked, passing := 0, 0
	for _, sp := range specs {
		data, err := os.ReadFile(sp)
		if err != nil {
			t.Fatal(err)
		}
		s, _, err := spec.Parse(data)
		if err != nil {
			t.Fatalf("%s: %v", sp, err)
		}
		var out bytes.Buffer
		if err := schedule.Run(context.Background(), schedule.Options{Spec: data, SpecName: sp, Repository: "registry.example.com/team/" + filepath.Base(sp),
			Output: output.YAML, Stdout: &out}); err != nil {
			t.Fatalf("%s: %v", sp, err)
		}
		objs, ps := rules.Parse(out.Bytes(), sp)
		ps = append(ps, rules.Validate(objs)...)
		if rules.HasErrors(ps) || len(objs) != 1 {
			t.Fatalf("%s: schedule's output is not one valid NodeFeatureRule: %v\n%s", sp, ps, out.String())
		}
		nfr := objs[0].Rule
		var js bytes.Buffer
		if err := schedule.Run(context.Background(), schedule.Options{Spec: data, SpecName: sp, Repository: "registry.example.com/team/" + filepath.Base(sp),
			Output: output.JSON, Stdout: &js}); err != nil {
			t.Fatal(err)
		}
		var res struct {
			Sets []struct {
				Label           string
				PreferredWeight int32
			}
			Affinity corev1.Affinity
		}
		if err := json.Unmarshal(js.Bytes(), &res); err != nil {
			t.Fatal(err)
		}
		pod := &corev1.Pod{Spec: corev1.PodSpec{Affinity: &res.Affinity}}
		required := nodeaffinity.GetRequiredNodeAffinity(pod)
		preferred, err := nodeaffinity.NewPreferredSchedulingTerms(res.Affinity.NodeAffinity.PreferredDuringSchedulingIgnoredDuringExecution)
		if err != nil {
			t.Fatal(err)
		}
		for _, n := range nodes {
			rep, err := compat.Evaluate(s, n.Features, compat.Options{})
			if err != nil {
				t.Fatal(err)
			}
			labels := nfdLabels(nfr, n.Features)
			for i, set := range rep.Sets {
				_, labelled := labels[res.Sets[i].Label]
				if labelled != set.IsMatch {
					t.Errorf("%s on %s: set #%d (%s) passes=%v but NFD labelled=%v (labels %v)", sp, n.Name, i, set.Tag, set.IsMatch, labelled, labels)
				}
				checked++
			}
			node := &corev1.Node{ObjectMeta: metav1.ObjectMeta{Name: "n", Labels: labels}}
			ok, err := required.Match(node)
			if err != nil {
				t.Fatal(err)
			}
			if ok != rep.Compatible {
				t.Errorf("%s on %s: compatible=%v but the required affinity matches=%v", sp, n.Name, rep.Compatible, ok)
			}
			want := int64(0)
			if rep.Compatible {
				passing++
				want = int64(res.Sets[rep.BestSet.Index].PreferredWeight)
			}
			if got := preferred.Score(node); got != want {
				t.Errorf("%s on %s: preferred score %d, want the best set's weight %d", sp, n.Name, got, want)
			}
		}
	}
	t.Logf("%d set verdicts over %d nodes and %d specs agree; %d node/spec pairs compatible", checked, len(nodes), len(specs), passing)
	if passing == 0 {
		t.Fatal("no fixture node is compatible with any spec: the test proves nothing")
	}
}
