package testspec

import (
	"fmt"
	"strings"

	nfdv1alpha1 "sigs.k8s.io/node-feature-discovery/api/nfd/v1alpha1"
)

// HostInstances is how many pci.device instances Host has: more than any
// real machine lists.
const HostInstances = 500

// HostKeys is how many k<N> attributes Host's cpu.model has.
const HostKeys = 100

// Host returns a host every worst-case spec is incompatible with:
// HostInstances pci.device instances with 64-byte vendor and device
// values, and cpu.model with HostKeys attributes k0... of 64 bytes each,
// all letters, digits and spaces (what BigRegexp works hardest on).
func Host() *nfdv1alpha1.Features {
	f := nfdv1alpha1.NewFeatures()
	inst := make([]nfdv1alpha1.InstanceFeature, HostInstances)
	for i := range inst {
		inst[i] = *nfdv1alpha1.NewInstanceFeature(map[string]string{
			"vendor": text(i, 64), "device": text(i+1, 64), "class": fmt.Sprintf("%04x", i),
		})
	}
	f.Instances["pci.device"] = nfdv1alpha1.InstanceFeatureSet{Elements: inst}
	attrs := map[string]string{"vendor_id": "GenuineIntel", "family": "6", "model": "85"}
	for i := range HostKeys {
		attrs[fmt.Sprintf("k%d", i)] = text(i, 64)
	}
	f.Attributes["cpu.model"] = nfdv1alpha1.AttributeFeatureSet{Elements: attrs}
	return f
}

// text is n bytes like "ab1 cd2 ...", varying with seed.
func text(seed, n int) string {
	var b strings.Builder
	for i := 0; b.Len() < n; i++ {
		b.WriteByte(byte('a' + (seed+i)%26))
		b.WriteByte(byte('a' + (seed+2*i)%26))
		b.WriteByte(byte('0' + (seed+i)%10))
		b.WriteByte(' ')
	}
	return b.String()[:n]
}
