package pull

import (
	"context"
	"fmt"
	"io"
	"strings"
	"sync"
	"text/tabwriter"
	"time"

	"github.com/containerd/containerd/v2/core/transfer"
	"github.com/containerd/containerd/v2/pkg/progress"
)

// progressPrinter shows the transfer service's progress events as ctr and
// nerdctl do: on a terminal a table redrawn in place (one row per
// manifest, config and layer, with a bar and bytes), elsewhere one line per
// state change, so logs stay readable.
type progressPrinter struct {
	mu      sync.Mutex
	out     io.Writer
	tty     bool
	fw      *progress.Writer
	start   time.Time
	status  string
	order   []string
	rows    map[string]transfer.Progress
	printed map[string]string // non-TTY: the last event printed per row
}

func newProgressPrinter(out io.Writer, tty bool) *progressPrinter {
	p := &progressPrinter{out: out, tty: tty, start: time.Now(), rows: map[string]transfer.Progress{}, printed: map[string]string{}}
	if tty {
		p.fw = progress.NewWriter(out)
	}
	return p
}

// update is the transfer.ProgressFunc.
func (p *progressPrinter) update(ev transfer.Progress) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if ev.Name == "" {
		p.status = ev.Event
		if !p.tty {
			fmt.Fprintln(p.out, ev.Event)
		}
	} else {
		if _, ok := p.rows[ev.Name]; !ok {
			p.order = append(p.order, ev.Name)
		}
		p.rows[ev.Name] = ev
		if !p.tty && p.printed[ev.Name] != ev.Event && ev.Event != "downloading" && ev.Event != "extracting" {
			p.printed[ev.Name] = ev.Event
			fmt.Fprintf(p.out, "%s: %s %s\n", displayName(ev.Name), ev.Event, sizes(ev))
		}
	}
	if p.tty {
		p.draw()
	}
}

// run redraws the table every 100ms until ctx ends (TTY only), so the
// elapsed time moves while a layer is slow.
func (p *progressPrinter) run(ctx context.Context) {
	if !p.tty {
		return
	}
	t := time.NewTicker(100 * time.Millisecond)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
			p.mu.Lock()
			p.draw()
			p.mu.Unlock()
		}
	}
}

// finish draws the last state.
func (p *progressPrinter) finish() {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.tty {
		p.draw()
	}
}

func (p *progressPrinter) draw() {
	tw := tabwriter.NewWriter(p.fw, 1, 8, 1, ' ', 0)
	var total int64
	for _, name := range p.order {
		ev := p.rows[name]
		total += ev.Progress
		bar := progress.Bar(0)
		switch ev.Event {
		case "complete", "extracted", "already exists", "saved":
			bar = 1
		case "downloading", "extracting":
			if ev.Total > 0 {
				bar = progress.Bar(float64(ev.Progress) / float64(ev.Total))
			}
		}
		fmt.Fprintf(tw, "%-40.40s\t%-14s\t%40r\t%s\t\n", displayName(name), ev.Event, bar, sizes(ev))
	}
	fmt.Fprintf(tw, "%s\telapsed: %-4.1fs\ttotal: %7.6v\t(%v)\t\n", p.status, time.Since(p.start).Seconds(),
		progress.Bytes(total), progress.NewBytesPerSecond(total, time.Since(p.start)))
	tw.Flush()
	p.fw.Flush()
}

func sizes(ev transfer.Progress) string {
	if ev.Total <= 0 {
		return ""
	}
	return fmt.Sprintf("%s/%s", progress.Bytes(ev.Progress), progress.Bytes(ev.Total))
}

// displayName shortens "layer-sha256:<64 hex>" to "layer (0123456789ab)".
func displayName(name string) string {
	parts := strings.Split(name, "-")
	for i, s := range parts {
		if strings.HasPrefix(s, "sha256:") && len(s) == 71 {
			parts[i] = "(" + s[7:19] + ")"
		}
	}
	return strings.Join(parts, " ")
}
