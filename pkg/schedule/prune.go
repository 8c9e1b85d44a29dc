package schedule

import "encoding/json"

// Pruned is v as generic JSON without the empty fields NFD's types (which
// lack omitempty) would encode and that NFD gives no meaning when empty.
// Other empty values (an empty label value, an expression with no op) are
// kept as written.
func Pruned(v any) (any, error) {
	b, err := json.Marshal(v)
	if err != nil {
		return nil, err
	}
	var raw any
	if err := json.Unmarshal(b, &raw); err != nil {
		return nil, err
	}
	return prune(raw), nil
}

// prunable are the fields dropped when empty.
var prunable = map[string]bool{
	"labels": true, "annotations": true, "vars": true, "extendedResources": true, "taints": true,
	"matchAny": true, "matchFeatures": true, "labelsTemplate": true, "varsTemplate": true,
	"type": true, "value": true,
}

func prune(v any) any {
	switch x := v.(type) {
	case map[string]any:
		for k, e := range x {
			e = prune(e)
			if e == nil || (prunable[k] && isEmpty(e)) {
				delete(x, k)
				continue
			}
			x[k] = e
		}
		return x
	case []any:
		for i := range x {
			x[i] = prune(x[i])
		}
		return x
	}
	return v
}

func isEmpty(v any) bool {
	switch x := v.(type) {
	case string:
		return x == ""
	case map[string]any:
		return len(x) == 0
	case []any:
		return len(x) == 0
	}
	return false
}
