package webhook

import (
	"encoding/json"
	"strings"

	corev1 "k8s.io/api/core/v1"
)

// patchOp is one RFC 6902 operation.
type patchOp struct {
	Op    string `json:"op"`
	Path  string `json:"path"`
	Value any    `json:"value,omitempty"`
}

// podPatch is the JSONPatch that sets the pod's affinity (nil: left as is)
// and adds the decision annotation. "add" of an object member replaces it
// when present (RFC 6902 4.1), so the patch holds whether or not the pod
// had an affinity or annotations.
func podPatch(pod *corev1.Pod, aff *corev1.Affinity, decision string) ([]byte, error) {
	var ops []patchOp
	if aff != nil && aff.NodeAffinity != nil {
		if pod.Spec.Affinity == nil {
			ops = append(ops, patchOp{Op: "add", Path: "/spec/affinity", Value: aff})
		} else {
			ops = append(ops, patchOp{Op: "add", Path: "/spec/affinity/nodeAffinity", Value: aff.NodeAffinity})
		}
	}
	if pod.Annotations == nil {
		ops = append(ops, patchOp{Op: "add", Path: "/metadata/annotations", Value: map[string]string{DecisionAnnotation: decision}})
	} else {
		ops = append(ops, patchOp{Op: "add", Path: "/metadata/annotations/" + pointerEscape(DecisionAnnotation), Value: decision})
	}
	return json.Marshal(ops)
}

// pointerEscape escapes a JSON Pointer (RFC 6901) reference token.
func pointerEscape(s string) string {
	return strings.ReplaceAll(strings.ReplaceAll(s, "~", "~0"), "/", "~1")
}
