package kubefile_test

import (
	"errors"
	"strings"
	"testing"

	"github.com/nfd-compat/nfd-compat/pkg/kubefile"
)

func TestSplitYAMLKeepsLines(t *testing.T) {
	data := "# comment\n---\nkind: A\n---\n---\n\n\nkind: B\nx: 1\n---\n"
	docs, err := kubefile.Split([]byte(data))
	if err != nil {
		t.Fatal(err)
	}
	if len(docs) != 2 || docs[0].Line != 3 || docs[1].Line != 8 {
		t.Fatalf("docs = %+v, want kind A at line 3 and kind B at line 8, empty documents left out", docs)
	}
	if string(docs[1].JSON) != `{"kind":"B","x":1}` {
		t.Errorf("JSON = %s", docs[1].JSON)
	}
}

func TestSplitErrorsSayTheLine(t *testing.T) {
	for _, tc := range []struct{ data, want string }{
		{"kind: A\n---\na: [b\n", "invalid YAML: line "},
		{"kind: A\n---\nkind: A\nkind: B\n", "invalid YAML in the document at line 3: unmarshal errors:\n  line 4: mapping key \"kind\" already defined at line 3"},
		{"kind: A\n---\n1: x\n", "document at line 3 cannot be read as JSON"},
		{"\n\n{\"kind\": \"A\",\n \"x\": ]}", "invalid JSON at line 4"},
		{"{\"kind\": \"A\"}\n\n{}", "invalid JSON at line 3: data after the top-level object"},
	} {
		_, err := kubefile.Split([]byte(tc.data))
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%q: err = %v, want %q", tc.data, err, tc.want)
		}
	}
}

func TestSplitJSONIsOneValue(t *testing.T) {
	docs, err := kubefile.Split([]byte("\n\n  {\"kind\": \"A\"}\n"))
	if err != nil || len(docs) != 1 || docs[0].Line != 3 || string(docs[0].JSON) != `{"kind": "A"}` {
		t.Fatalf("docs = %+v, err = %v", docs, err)
	}
}

func objects(t *testing.T, doc string) (kubefile.Header, []kubefile.Object, error) {
	t.Helper()
	docs, err := kubefile.Split([]byte(doc))
	if err != nil || len(docs) != 1 {
		t.Fatalf("%q: %d docs, %v", doc, len(docs), err)
	}
	return docs[0].Objects()
}

func TestObjectsOfAList(t *testing.T) {
	h, objs, err := objects(t, "apiVersion: g/v1\nkind: FooList\nmetadata: {resourceVersion: \"\"}\nitems:\n- {metadata: {name: a}}\n- {apiVersion: g/v2, kind: Bar}\n- [not, an, object]\n")
	if err != nil {
		t.Fatal(err)
	}
	if !h.List || h.Kind != "FooList" || len(objs) != 3 {
		t.Fatalf("header %+v, %d objects", h, len(objs))
	}
	if o := objs[0]; o.Kind != "Foo" || o.APIVersion != "g/v1" || !o.Defaulted || o.Item != 1 {
		t.Errorf("item 1 = %+v, want kind and apiVersion from the typed list", o)
	}
	if o := objs[1]; o.Kind != "Bar" || o.APIVersion != "g/v2" || o.Defaulted || o.Item != 2 {
		t.Errorf("item 2 = %+v, want its own kind and apiVersion", o)
	}
	if o := objs[2]; o.Kind != "Foo" || string(o.JSON) != `["not","an","object"]` {
		t.Errorf("item 3 = %+v", o)
	}

	_, objs, err = objects(t, "apiVersion: v1\nkind: List\nitems:\n- {metadata: {name: a}}\n")
	if err != nil || len(objs) != 1 || objs[0].Kind != "" || objs[0].Defaulted {
		t.Errorf("a List's items keep their own (missing) kind: %+v, %v", objs, err)
	}
}

func TestObjectsRejects(t *testing.T) {
	for _, tc := range []struct {
		doc, want string
		notObject bool
	}{
		{"[1, 2]", "not an object (it is a JSON array)", true},
		{"just words", "not an object (it is a JSON string)", true},
		{"kind: 5", "not an object with string kind", true},
		{"kind: List\nitems: {}\n", "invalid List", false},
		{"kind: List\nitems: []\nextra: 1\n", `invalid List: json: unknown field "extra"`, false},
	} {
		_, _, err := objects(t, tc.doc)
		if err == nil || !strings.Contains(err.Error(), tc.want) || errors.Is(err, kubefile.ErrNotObject) != tc.notObject {
			t.Errorf("%q: err = %v, want %q (ErrNotObject: %v)", tc.doc, err, tc.want, tc.notObject)
		}
	}
	h, objs, err := objects(t, "kind: Pod\nmetadata: {name: p}\n")
	if err != nil || h.List || h.Name != "p" || len(objs) != 1 || objs[0].Item != 0 {
		t.Errorf("a plain object: %+v %+v %v", h, objs, err)
	}
}
