package features

import (
	"strings"

	"go.yaml.in/yaml/v3"
)

// The block-YAML reader: the one YAML document kubectl and sigs.k8s.io/yaml
// print (block mappings and sequences, one scalar per line, plain or simply
// quoted) read into the yaml.Node tree yaml.v3 would build, in a fraction of
// yaml.v3's time (its parser was 60 % of a fleet's decoding CPU). It only
// reads what it is sure of and returns !ok for anything else — several
// documents, comments after content, flow collections other than {} and [],
// anchors, tags, block or multi-line scalars, escapes, tabs, CR, non-ASCII
// bytes, a plain scalar starting with an indicator — and yamlDocs then asks
// yaml.v3. Plain scalars are resolved (string, int, bool, null, ...) by
// yaml.v3 itself (Node.ShortTag, Node.Decode), so their meaning is yaml.v3's.
// FuzzBlockYAML checks the trees against yaml.v3's.

// blockLine is one line with content: its indentation, its text after it,
// and its 1-based line number.
type blockLine struct {
	indent int
	text   string
	line   int
}

// blockReader builds nodes from lines; nodes come from slabs to save
// allocations.
type blockReader struct {
	lines []blockLine
	i     int
	depth int
	slab  []yaml.Node
}

// Limits of yaml.v3 the reader stays well inside: a key (an implicit key)
// ends within 1024 characters of its start, and nesting is bounded.
const (
	maxBlockKey   = 1000
	maxBlockDepth = 100
)

// readBlockYAML returns the root node of data's one document, or !ok.
func readBlockYAML(data []byte) (root *yaml.Node, ok bool) {
	for _, b := range data {
		if b >= 0x7f || b < 0x20 && b != '\n' {
			return nil, false // tabs, CR, control characters, non-ASCII
		}
	}
	s := string(data)
	r := &blockReader{lines: make([]blockLine, 0, strings.Count(s, "\n")+1)}
	n := 0
	for raw := range strings.SplitSeq(s, "\n") {
		n++
		text := strings.TrimLeft(raw, " ")
		if text == "" || text[0] == '#' {
			continue // blank or comment line
		}
		if len(r.lines) == 0 && (text[0] == '%' || strings.HasPrefix(text, "---") || strings.HasPrefix(text, "...")) {
			return nil, false // a directive or document marker
		}
		if strings.HasPrefix(raw, "---") || strings.HasPrefix(raw, "...") {
			return nil, false // a second document, or the end of one
		}
		r.lines = append(r.lines, blockLine{indent: len(raw) - len(text), text: strings.TrimRight(text, " "), line: n})
	}
	if len(r.lines) == 0 || r.lines[0].indent != 0 {
		return nil, false
	}
	root, ok = r.block(0)
	if !ok || r.i != len(r.lines) {
		return nil, false
	}
	return root, true
}

func (r *blockReader) node() *yaml.Node {
	if len(r.slab) == 0 {
		r.slab = make([]yaml.Node, 256)
	}
	n := &r.slab[0]
	r.slab = r.slab[1:]
	return n
}

// block reads the mapping or sequence whose first line is r.lines[r.i], at
// indentation indent.
func (r *blockReader) block(indent int) (*yaml.Node, bool) {
	first := r.lines[r.i]
	if first.indent != indent || r.depth >= maxBlockDepth {
		return nil, false
	}
	r.depth++
	defer func() { r.depth-- }()
	if isSeqItem(first.text) {
		return r.sequence(indent)
	}
	return r.mapping(indent)
}

func isSeqItem(text string) bool { return text == "-" || strings.HasPrefix(text, "- ") }

func (r *blockReader) mapping(indent int) (*yaml.Node, bool) {
	m := r.node()
	m.Kind, m.Line = yaml.MappingNode, r.lines[r.i].line
	for r.i < len(r.lines) {
		l := r.lines[r.i]
		if l.indent < indent {
			break
		}
		if l.indent > indent || isSeqItem(l.text) {
			return nil, false
		}
		key, rest, ok := r.key(l.text)
		if !ok {
			return nil, false
		}
		key.Line = l.line
		r.i++
		var val *yaml.Node
		switch {
		case rest != "":
			if val, ok = r.scalar(rest); !ok {
				return nil, false
			}
			val.Line = l.line
		case r.i < len(r.lines) && (r.lines[r.i].indent > indent ||
			r.lines[r.i].indent == indent && isSeqItem(r.lines[r.i].text)):
			// The value is the block below (a sequence may sit at the
			// key's own indentation).
			if val, ok = r.block(r.lines[r.i].indent); !ok {
				return nil, false
			}
		default:
			val = r.node()
			val.Kind, val.Line = yaml.ScalarNode, l.line // empty: null
		}
		m.Content = append(m.Content, key, val)
	}
	return m, true
}

func (r *blockReader) sequence(indent int) (*yaml.Node, bool) {
	seq := r.node()
	seq.Kind, seq.Line = yaml.SequenceNode, r.lines[r.i].line
	for r.i < len(r.lines) {
		l := r.lines[r.i]
		if l.indent < indent || l.indent == indent && !isSeqItem(l.text) {
			break
		}
		if l.indent > indent {
			return nil, false
		}
		rest := strings.TrimLeft(strings.TrimPrefix(l.text, "-"), " ")
		var item *yaml.Node
		var ok bool
		switch {
		case rest == "":
			r.i++
			if r.i < len(r.lines) && r.lines[r.i].indent > indent {
				if item, ok = r.block(r.lines[r.i].indent); !ok {
					return nil, false
				}
			} else {
				item = r.node()
				item.Kind, item.Line = yaml.ScalarNode, l.line
			}
		case isSeqItem(rest):
			return nil, false // "- - x"
		case r.isKeyLine(rest):
			// "- key: ...": a mapping whose first key is on this line, at
			// the column after the dash.
			r.lines[r.i] = blockLine{indent: l.indent + len(l.text) - len(rest), text: rest, line: l.line}
			if item, ok = r.mapping(r.lines[r.i].indent); !ok {
				return nil, false
			}
		default:
			if item, ok = r.scalar(rest); !ok {
				return nil, false
			}
			item.Line = l.line
			r.i++
		}
		seq.Content = append(seq.Content, item)
	}
	return seq, true
}

// isKeyLine reports whether text starts with a key.
func (r *blockReader) isKeyLine(text string) bool {
	_, _, ok := r.key(text)
	return ok
}

// key reads "KEY:" or "KEY: rest" (KEY plain or simply quoted).
func (r *blockReader) key(text string) (key *yaml.Node, rest string, ok bool) {
	if colon := strings.IndexByte(text, ':'); colon < 0 || colon > maxBlockKey {
		return nil, "", false // no key, or one yaml.v3 may find too long
	}
	var after string
	key = r.node()
	key.Kind = yaml.ScalarNode
	switch text[0] {
	case '"', '\'':
		end := strings.IndexByte(text[1:], text[0])
		if end < 0 {
			return nil, "", false
		}
		key.Value, after = text[1:1+end], text[2+end:]
		if !simpleQuoted(key.Value) {
			return nil, "", false
		}
		key.Tag, key.Style = "!!str", quoteStyle(text[0])
		after = strings.TrimLeft(after, " ")
		if after == "" || after[0] != ':' || len(after) > 1 && after[1] != ' ' {
			return nil, "", false
		}
		after = after[1:]
	default:
		sep := strings.Index(text, ": ")
		if sep < 0 {
			if !strings.HasSuffix(text, ":") {
				return nil, "", false
			}
			sep = len(text) - 1
		}
		key.Value, after = strings.TrimRight(text[:sep], " "), text[sep+1:]
		if !plainOK(key.Value) {
			return nil, "", false
		}
	}
	return key, strings.TrimLeft(after, " "), true
}

// scalar reads a value on a key's or dash's line: {} or [], a plain
// scalar, or a quoted one without escapes.
func (r *blockReader) scalar(text string) (*yaml.Node, bool) {
	n := r.node()
	switch {
	case text == "{}":
		n.Kind = yaml.MappingNode
	case text == "[]":
		n.Kind = yaml.SequenceNode
	case text[0] == '"' || text[0] == '\'':
		if len(text) < 2 || text[len(text)-1] != text[0] {
			return nil, false
		}
		n.Kind, n.Value, n.Tag, n.Style = yaml.ScalarNode, text[1:len(text)-1], "!!str", quoteStyle(text[0])
		if !simpleQuoted(n.Value) {
			return nil, false
		}
	default:
		if !plainOK(text) {
			return nil, false
		}
		n.Kind, n.Value = yaml.ScalarNode, text
	}
	return n, true
}

func quoteStyle(q byte) yaml.Style {
	if q == '"' {
		return yaml.DoubleQuotedStyle
	}
	return yaml.SingleQuotedStyle
}

// simpleQuoted: the inside of a quoted scalar that means itself (no
// escapes, no quote of either kind).
func simpleQuoted(s string) bool { return !strings.ContainsAny(s, `"'\`) }

// plainOK: a plain scalar on one line that yaml.v3 reads as exactly these
// characters — not starting with an indicator (but "-x"), no ": " or " #" in it, not
// ending in ':', not the merge key.
func plainOK(s string) bool {
	if s == "" || strings.ContainsRune("?:,[]{}#&*!|>'\"%@`", rune(s[0])) {
		return false
	}
	if s[0] == '-' && (len(s) == 1 || s[1] == ' ') {
		return false // "-Wflag" is a plain scalar, "- x" an item
	}
	// Flow indicators inside are the scalar's own in block context.
	return !strings.Contains(s, ": ") && !strings.Contains(s, " #") && !strings.HasSuffix(s, ":") && s != "<<"
}
