package compat_test

import (
	"fmt"

	"github.com/nfd-compat/nfd-compat/pkg/compat"
	compatv1alpha1 "sigs.k8s.io/node-feature-discovery/api/image-compatibility/v1alpha1"
	nfdv1alpha1 "sigs.k8s.io/node-feature-discovery/api/nfd/v1alpha1"
	"sigs.k8s.io/yaml"
)

func Example() {
	var spec compatv1alpha1.Spec
	if err := yaml.Unmarshal([]byte(`
version: v1alpha1
compatibilities:
- tag: prefered
  weight: 10
  rules:
  - name: kernel
    matchFeatures:
    - feature: kernel.version
      matchExpressions:
        major: {op: Gt, value: ["5"]}
  - name: nvidia
    matchFeatures:
    - feature: pci.device
      matchExpressions:
        vendor: {op: In, value: ["10de"]}
- tag: fallback
  weight: 1
  rules:
  - name: kernel
    matchFeatures:
    - feature: kernel.version
      matchExpressions:
        major: {op: Ge, value: ["4"]}
`), &spec); err != nil {
		fmt.Println(err)
		return
	}

	host := nfdv1alpha1.NewFeatures()
	host.InsertAttributeFeatures("kernel", "version", map[string]string{"major": "4", "minor": "19"})
	host.Instances["pci.device"] = nfdv1alpha1.NewInstanceFeatures(
		*nfdv1alpha1.NewInstanceFeature(map[string]string{"vendor": "8086", "class": "0600"}),
	)

	report, err := compat.Evaluate(&spec, host, compat.Options{})
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println(report.Summary())
	for _, f := range report.Sets[0].Failures() {
		fmt.Println(" -", f)
	}

	_, err = compat.Evaluate(&spec, host, compat.Options{Tags: []string{"gpu"}})
	fmt.Println(err)
	// Output:
	// compatible (best set #1 tag=fallback weight=1)
	//  - kernel.version.major: Gt [5] — host has 4
	//  - pci.device: no instance with vendor=10de (host has 1 instance: vendor=8086)
	// no compatibility set applies: no set has tag ["gpu"] (tags in spec: ["prefered" "fallback"])
}
