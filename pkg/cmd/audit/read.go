package audit

import (
	"bufio"
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"time"

	"github.com/nfd-compat/nfd-compat/pkg/verifier"
)

// badLine says why line n of a file is not a record.
type badLine struct {
	File string `json:"file"`
	Line int    `json:"line"`
	Why  string `json:"why"`
}

// record is a decoded, checked audit line.
type record struct {
	verifier.AuditEntry
	at time.Time
}

// scan calls fn for every record of r, and bad for every line that is
// not one; it stops at a read error.
func scan(r io.Reader, file string, fn func(record), bad func(badLine)) error {
	br := bufio.NewReaderSize(r, 64<<10)
	for n := 1; ; n++ {
		line, tooLong, err := readLine(br)
		if len(line) > 0 || tooLong {
			switch rec, why := decode(line, tooLong); {
			case why != "":
				bad(badLine{File: file, Line: n, Why: why})
			default:
				fn(rec)
			}
		}
		if errors.Is(err, io.EOF) {
			return nil
		}
		if err != nil {
			return fmt.Errorf("read %s: %w", file, err)
		}
	}
}

// readLine reads one line without its newline, keeping at most MaxLine
// bytes of it (the rest is read and dropped, tooLong set).
func readLine(br *bufio.Reader) (line []byte, tooLong bool, err error) {
	for {
		chunk, err := br.ReadSlice('\n')
		if len(line)+len(chunk) > MaxLine {
			tooLong = true
			line = line[:0]
		} else if !tooLong {
			line = append(line, chunk...)
		}
		if errors.Is(err, bufio.ErrBufferFull) {
			continue
		}
		return bytes.TrimRight(line, "\r\n"), tooLong, err
	}
}

// decode checks a line as the verifier writes it.
func decode(line []byte, tooLong bool) (record, string) {
	if tooLong {
		return record{}, fmt.Sprintf("longer than %d bytes", MaxLine)
	}
	var rec record
	if err := json.Unmarshal(line, &rec.AuditEntry); err != nil {
		return record{}, "not a JSON audit record (torn or foreign line)"
	}
	at, err := time.Parse(time.RFC3339Nano, rec.Time)
	if err != nil {
		return record{}, "time is not an RFC 3339 time"
	}
	rec.at = at
	if rec.Decision != "allow" && rec.Decision != "deny" {
		return record{}, "decision is neither allow nor deny"
	}
	if rec.Verdict == "" {
		return record{}, "no verdict"
	}
	return rec, ""
}
