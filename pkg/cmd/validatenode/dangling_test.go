package validatenode_test

import (
	"bytes"
	"context"
	"encoding/json"
	"strings"
	"testing"

	"github.com/sirupsen/logrus"

	"github.com/nfd-compat/nfd-compat/internal/testartifact"
	"github.com/nfd-compat/nfd-compat/internal/testlog"
	"github.com/nfd-compat/nfd-compat/internal/testregistry"
	"github.com/nfd-compat/nfd-compat/pkg/cmd/validatenode"
)

// TestDanglingArtifactSkipped: on a registry without the referrers API,
// the tag index lists a newer artifact whose manifest is gone (issue 8 §3);
// validate-node evaluates the older one and warns, instead of exiting 2.
func TestDanglingArtifactSkipped(t *testing.T) {
	reg := testregistry.Start(t, testregistry.Distribution)
	ref, _, older, newer := testartifact.Dangling(t, reg, "app", "../../../examples/gpu-spec.yaml")
	var out bytes.Buffer
	opts := validateOptions(ref, testartifact.AMD64, "", &out)
	l, logs := testlog.Buffer(logrus.InfoLevel)
	opts.Log = l
	if err := validatenode.Run(context.Background(), opts); err != nil {
		t.Fatalf("validate-node: %v\n%s", err, logs.String())
	}
	var res validatenode.Result
	if err := json.Unmarshal(out.Bytes(), &res); err != nil {
		t.Fatal(err)
	}
	if res.Artifact != older {
		t.Errorf("artifact %s, want the older %s", res.Artifact, older)
	}
	if !strings.Contains(logs.String(), "level=warning") || !strings.Contains(logs.String(), newer) {
		t.Errorf("no warning about the gone %s:\n%s", newer, logs.String())
	}
}
