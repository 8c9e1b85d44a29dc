package audit

import (
	"sort"
	"strings"
	"time"

	"github.com/nfd-compat/nfd-compat/pkg/safetext"
)

// Summary is what audit prints (-o json/yaml: this structure).
type Summary struct {
	Files []string `json:"files"`
	// Since is the --since bound, if any.
	Since *time.Time `json:"since,omitempty"`
	// First and Last are the times of the first and last record counted.
	First *time.Time `json:"first,omitempty"`
	Last  *time.Time `json:"last,omitempty"`
	// Records counted (after --since); Skipped lines that are not records.
	Records int `json:"records"`
	Skipped int `json:"skipped"`
	// SkippedLines are the first few skipped lines.
	SkippedLines []badLine `json:"skipped_lines,omitempty"`
	// Counts by decision (allow, warn, deny) and verdict.
	Counts []Count `json:"counts"`
	// WouldRefuse are the images allowed only because of warn mode: what
	// enforce would have refused, most frequent first.
	WouldRefuse []Image `json:"would_refuse"`
	// Refused are the images refused, most frequent first.
	Refused []Image `json:"refused"`
	// OtherImages counts the distinct images past MaxImages, not listed.
	OtherImages int `json:"other_images,omitempty"`
	// RecentRefusals and RecentWarnings are the newest records of each,
	// newest first.
	RecentRefusals []Entry `json:"recent_refusals"`
	RecentWarnings []Entry `json:"recent_warnings"`
}

// Count is the number of records with a decision and verdict.
type Count struct {
	Decision string `json:"decision"`
	Verdict  string `json:"verdict"`
	Count    int    `json:"count"`
}

// Image is an image that was (or would have been) refused.
type Image struct {
	Image   string    `json:"image"`
	Digest  string    `json:"digest"`
	Verdict string    `json:"verdict"`
	Count   int       `json:"count"`
	Last    time.Time `json:"last"`
	Reason  string    `json:"reason"`
}

// Entry is one record, escaped.
type Entry struct {
	Time     time.Time `json:"time"`
	Image    string    `json:"image"`
	Digest   string    `json:"digest"`
	Verdict  string    `json:"verdict"`
	Decision string    `json:"decision"`
	By       string    `json:"by"`
	Reason   string    `json:"reason"`
}

// action is the decision as the metrics label it: allow, warn, deny.
func action(r record) string {
	switch {
	case r.Decision == "deny":
		return "deny"
	case r.Warn:
		return "warn"
	}
	return "allow"
}

// wouldRefuse is a warn-mode allow that enforce would have refused.
func wouldRefuse(r record) bool {
	return r.Decision == "allow" && r.Warn && strings.Contains(r.By, "would refuse")
}

// clean is a string from the log as it may be printed.

func entryOf(r record) Entry {
	return Entry{Time: r.at, Image: safetext.Line(r.Image), Digest: safetext.Line(r.Digest), Verdict: safetext.Line(r.Verdict),
		Decision: action(r), By: safetext.Line(r.By), Reason: safetext.Line(r.Reason)}
}

// summer builds a Summary in bounded memory.
type summer struct {
	s        Summary
	recent   int
	counts   map[[2]string]int
	would    map[string]*Image
	refused  map[string]*Image
	refusals ring
	warnings ring
}

func newSummer(recent int) *summer {
	return &summer{recent: recent, counts: map[[2]string]int{}, would: map[string]*Image{}, refused: map[string]*Image{},
		refusals: ring{max: recent}, warnings: ring{max: recent}}
}

const maxSkippedLines = 5

func (m *summer) bad(b badLine) {
	m.s.Skipped++
	if len(m.s.SkippedLines) < maxSkippedLines {
		m.s.SkippedLines = append(m.s.SkippedLines, b)
	}
}

func (m *summer) add(r record) {
	if m.s.Since != nil && r.at.Before(*m.s.Since) {
		return
	}
	m.s.Records++
	at := r.at
	if m.s.First == nil || at.Before(*m.s.First) {
		m.s.First = &at
	}
	if m.s.Last == nil || at.After(*m.s.Last) {
		m.s.Last = &at
	}
	a := action(r)
	m.counts[[2]string{a, safetext.Line(r.Verdict)}]++
	switch {
	case a == "deny":
		m.image(m.refused, r)
		m.refusals.add(entryOf(r))
	case a == "warn":
		if wouldRefuse(r) {
			m.image(m.would, r)
		}
		m.warnings.add(entryOf(r))
	}
}

// image counts r under its image and digest, up to MaxImages entries.
func (m *summer) image(set map[string]*Image, r record) {
	key := r.Image + "@" + r.Digest
	im := set[key]
	if im == nil {
		if len(m.would)+len(m.refused) >= MaxImages {
			m.s.OtherImages++
			return
		}
		im = &Image{Image: safetext.Line(r.Image), Digest: safetext.Line(r.Digest)}
		set[key] = im
	}
	im.Count++
	if !r.at.Before(im.Last) {
		im.Last, im.Verdict, im.Reason = r.at, safetext.Line(r.Verdict), safetext.Line(r.Reason)
	}
}

func (m *summer) summary() Summary {
	s := m.s
	s.Counts = []Count{}
	for k, n := range m.counts {
		s.Counts = append(s.Counts, Count{Decision: k[0], Verdict: k[1], Count: n})
	}
	order := map[string]int{"deny": 0, "warn": 1, "allow": 2}
	sort.Slice(s.Counts, func(i, j int) bool {
		a, b := s.Counts[i], s.Counts[j]
		if a.Decision != b.Decision {
			return order[a.Decision] < order[b.Decision]
		}
		return a.Verdict < b.Verdict
	})
	s.WouldRefuse, s.Refused = images(m.would), images(m.refused)
	s.RecentRefusals, s.RecentWarnings = m.refusals.newestFirst(), m.warnings.newestFirst()
	return s
}

func images(set map[string]*Image) []Image {
	out := make([]Image, 0, len(set))
	for _, im := range set {
		out = append(out, *im)
	}
	sort.Slice(out, func(i, j int) bool {
		if out[i].Count != out[j].Count {
			return out[i].Count > out[j].Count
		}
		return out[i].Last.After(out[j].Last)
	})
	return out
}

// ring keeps the last max entries.
type ring struct {
	max  int
	buf  []Entry
	next int
}

func (r *ring) add(e Entry) {
	if r.max <= 0 {
		return
	}
	if len(r.buf) < r.max {
		r.buf = append(r.buf, e)
		return
	}
	r.buf[r.next] = e
	r.next = (r.next + 1) % r.max
}

func (r *ring) newestFirst() []Entry {
	out := make([]Entry, 0, len(r.buf))
	for i := len(r.buf) - 1; i >= 0; i-- {
		out = append(out, r.buf[(r.next+i)%len(r.buf)])
	}
	return out
}
