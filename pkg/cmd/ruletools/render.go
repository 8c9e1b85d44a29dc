package ruletools

import (
	"fmt"
	"io"
	"slices"

	"github.com/nfd-compat/nfd-compat/pkg/features"
	"github.com/nfd-compat/nfd-compat/pkg/output"
	"github.com/nfd-compat/nfd-compat/pkg/rules"
	"github.com/nfd-compat/nfd-compat/pkg/safetext"
)

func runAndRender(objs []rules.Object, nodes []features.Node, format output.Format, w io.Writer) error {
	rep := RunReport{Nodes: make([]rules.NodeResult, len(nodes))}
	problems := 0
	for i, n := range nodes {
		rep.Nodes[i] = rules.Run(objs, n)
		problems += len(rep.Nodes[i].Problems)
	}
	var err error
	if format == output.JSON || format == output.YAML {
		err = output.Encode(w, format, rep)
	} else {
		for i, n := range rep.Nodes {
			if i > 0 {
				fmt.Fprintln(w)
			}
			if err = nodeTable(w, n); err != nil {
				break
			}
		}
	}
	if err != nil {
		return err
	}
	if problems > 0 {
		return fmt.Errorf("%d problems: %w", problems, ErrRejected)
	}
	return nil
}

func nodeTable(w io.Writer, n rules.NodeResult) error {
	fmt.Fprintf(w, "Node: %s", safetext.Escape(n.Node))
	if n.Source != "" {
		fmt.Fprintf(w, " (%s)", safetext.Escape(n.Source))
	}
	fmt.Fprintln(w)
	section(w, "Labels", n.Labels)
	section(w, "Annotations", n.Annotations)
	section(w, "Extended resources", n.ExtendedResources)
	fmt.Fprintln(w, "\nTaints (set only when nfd-master runs with enableTaints):")
	if len(n.Taints) == 0 {
		fmt.Fprintln(w, "  none")
	}
	for _, t := range n.Taints {
		fmt.Fprintf(w, "  %s\n", safetext.Escape(t.ToString()))
	}
	section(w, "Vars (rule.matched, not written to the node)", n.Vars)
	if len(n.Groups) > 0 {
		fmt.Fprintln(w, "\nNodeFeatureGroups:")
		for _, g := range n.Groups {
			state := "not a member"
			if g.Member {
				state = "member"
			}
			fmt.Fprintf(w, "  %s: %s\n", safetext.Escape(g.Object), state)
		}
	}
	fmt.Fprintln(w)
	tw := output.NewTable(w)
	fmt.Fprintln(tw, "OBJECT\tRULE\tMATCHED\tERROR")
	for _, r := range n.Rules {
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\n", safetext.Escape(r.Object), safetext.Escape(r.Rule), yesNo(r.Matched), safetext.Escape(r.Error))
	}
	for _, g := range n.Groups {
		for _, r := range g.Rules {
			fmt.Fprintf(tw, "%s\t%s\t%s\t%s\n", safetext.Escape(r.Object), safetext.Escape(r.Rule), yesNo(r.Matched), safetext.Escape(r.Error))
		}
	}
	if err := tw.Flush(); err != nil {
		return err
	}
	if len(n.Problems) > 0 {
		fmt.Fprintln(w, "\nProblems:")
		for _, p := range n.Problems {
			fmt.Fprintf(w, "  %s\n", safetext.Escape(p.String()))
		}
	}
	return nil
}

func section(w io.Writer, title string, m map[string]string) {
	fmt.Fprintf(w, "\n%s:\n", title)
	if len(m) == 0 {
		fmt.Fprintln(w, "  none")
		return
	}
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	for _, k := range keys {
		fmt.Fprintf(w, "  %s=%s\n", safetext.Escape(k), safetext.Escape(m[k]))
	}
}

func yesNo(b bool) string {
	if b {
		return "yes"
	}
	return "no"
}
