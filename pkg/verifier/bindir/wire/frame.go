package wire

import (
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"strings"
	"time"
)

// ErrFrame is wrapped by every decoding error: not a frame of this
// protocol, too large, truncated, or a body that does not parse.
var ErrFrame = errors.New("bad frame")

// Version is the protocol version in every header.
const Version = 1

const magic = "nfdv"

// headerSize is magic, version, kind and length.
const headerSize = 4 + 1 + 1 + 4

// Kind is what a frame holds.
type Kind byte

// Frame kinds.
const (
	KindVerify Kind = 'V' // Request: decide
	KindPing   Kind = 'P' // Request: are you there (doctor)
	KindAck    Kind = 'A' // Ack
	KindAnswer Kind = 'R' // Answer
	KindError  Kind = 'E' // a request the daemon will not serve, and why
)

// Bounds of what decoders accept.
const (
	// MaxRequest bounds a request: the stdin bound and room for the
	// arguments and environment.
	MaxRequest = MaxStdin + 64<<10
	// MaxAnswer bounds an answer (stdout and stderr of a decision).
	MaxAnswer = 4 << 20
	// MaxFields bounds the arguments and the environment entries.
	MaxFields = 256
)

// Request is what the client sends.
type Request struct {
	Kind  Kind     // KindVerify or KindPing
	Args  []string // the verifier's arguments, without argv[0]
	Env   []string // KEY=VALUE of ForwardedEnv that are set
	Stdin []byte   // at most MaxStdin bytes of stdin, when the verifier reads it
}

// Answer is the decision as the direct verifier would have given it.
type Answer struct {
	Code           int
	Stdout, Stderr []byte
}

// Reply is a decoded frame from the daemon: Within for KindAck, Answer for
// KindAnswer, Message for KindError.
type Reply struct {
	Kind    Kind
	Within  time.Duration
	Answer  Answer
	Message string
}

// WriteFrame writes one frame.
func WriteFrame(w io.Writer, k Kind, body []byte) error {
	if uint64(len(body)) > 1<<32-1 {
		return fmt.Errorf("frame body of %d bytes: %w", len(body), ErrFrame)
	}
	h := make([]byte, headerSize, headerSize+len(body))
	copy(h, magic)
	h[4], h[5] = Version, byte(k)
	binary.BigEndian.PutUint32(h[6:], uint32(len(body)))
	_, err := w.Write(append(h, body...))
	return err
}

// ReadFrame reads one frame whose body is at most max bytes.
func ReadFrame(r io.Reader, max int) (Kind, []byte, error) {
	var h [headerSize]byte
	if _, err := io.ReadFull(r, h[:]); err != nil {
		if errors.Is(err, io.ErrUnexpectedEOF) {
			return 0, nil, fmt.Errorf("truncated header: %w", ErrFrame)
		}
		return 0, nil, err // io.EOF: nothing was sent
	}
	if string(h[:4]) != magic {
		return 0, nil, fmt.Errorf("no %q magic (got %q): %w", magic, h[:4], ErrFrame)
	}
	if h[4] != Version {
		return 0, nil, fmt.Errorf("protocol version %d, want %d: %w", h[4], Version, ErrFrame)
	}
	n := binary.BigEndian.Uint32(h[6:])
	if uint64(n) > uint64(max) {
		return 0, nil, fmt.Errorf("frame of %d bytes, over the %d-byte bound: %w", n, max, ErrFrame)
	}
	body := make([]byte, n)
	if _, err := io.ReadFull(r, body); err != nil {
		return 0, nil, fmt.Errorf("truncated body (%d bytes announced): %v: %w", n, err, ErrFrame)
	}
	return Kind(h[5]), body, nil
}

// EncodeRequest is the body of a Request.
func EncodeRequest(q Request) []byte {
	var b []byte
	b = putStrings(b, q.Args)
	b = putStrings(b, q.Env)
	return putBytes(b, q.Stdin)
}

// WriteRequest writes q as one frame.
func WriteRequest(w io.Writer, q Request) error { return WriteFrame(w, q.Kind, EncodeRequest(q)) }

// ReadRequest reads a request frame.
func ReadRequest(r io.Reader) (Request, error) {
	k, body, err := ReadFrame(r, MaxRequest)
	if err != nil {
		return Request{}, err
	}
	if k != KindVerify && k != KindPing {
		return Request{}, fmt.Errorf("kind %q is not a request: %w", k, ErrFrame)
	}
	return DecodeRequest(k, body)
}

// DecodeRequest parses a request body.
func DecodeRequest(k Kind, body []byte) (Request, error) {
	d := decoder{b: body}
	q := Request{Kind: k, Args: d.strings("arguments"), Env: d.strings("environment")}
	q.Stdin = d.bytes("stdin", MaxStdin)
	if err := d.end(); err != nil {
		return Request{}, err
	}
	for _, e := range q.Env {
		if !strings.Contains(e, "=") {
			return Request{}, fmt.Errorf("environment entry %q has no '=': %w", e, ErrFrame)
		}
	}
	return q, nil
}

// WriteAck tells the client the daemon answers within d.
func WriteAck(w io.Writer, d time.Duration) error {
	return WriteFrame(w, KindAck, binary.AppendUvarint(nil, uint64(d.Milliseconds())))
}

// WriteAnswer writes a decision.
func WriteAnswer(w io.Writer, a Answer) error {
	if a.Code < 0 || a.Code > 255 {
		return fmt.Errorf("exit code %d out of 0..255: %w", a.Code, ErrFrame)
	}
	b := binary.AppendUvarint(nil, uint64(a.Code))
	b = putBytes(b, a.Stdout)
	return WriteFrame(w, KindAnswer, putBytes(b, a.Stderr))
}

// WriteError refuses to serve a request, saying why.
func WriteError(w io.Writer, msg string) error {
	return WriteFrame(w, KindError, putBytes(nil, []byte(msg)))
}

// ReadReply reads one frame from the daemon.
func ReadReply(r io.Reader) (Reply, error) {
	k, body, err := ReadFrame(r, MaxAnswer)
	if err != nil {
		return Reply{}, err
	}
	return DecodeReply(k, body)
}

// DecodeReply parses a reply body of kind k.
func DecodeReply(k Kind, body []byte) (Reply, error) {
	d := decoder{b: body}
	rep := Reply{Kind: k}
	switch k {
	case KindAck:
		ms := d.uvarint("ack time")
		if ms > uint64(time.Hour/time.Millisecond) {
			return Reply{}, fmt.Errorf("ack time %d ms over an hour: %w", ms, ErrFrame)
		}
		rep.Within = time.Duration(ms) * time.Millisecond
	case KindAnswer:
		code := d.uvarint("exit code")
		if code > 255 {
			return Reply{}, fmt.Errorf("exit code %d out of 0..255: %w", code, ErrFrame)
		}
		rep.Answer.Code = int(code)
		rep.Answer.Stdout = d.bytes("stdout", MaxAnswer)
		rep.Answer.Stderr = d.bytes("stderr", MaxAnswer)
	case KindError:
		rep.Message = string(d.bytes("message", MaxAnswer))
	default:
		return Reply{}, fmt.Errorf("kind %q is not a reply: %w", k, ErrFrame)
	}
	if err := d.end(); err != nil {
		return Reply{}, err
	}
	return rep, nil
}

func putBytes(b, p []byte) []byte {
	b = binary.AppendUvarint(b, uint64(len(p)))
	return append(b, p...)
}

func putStrings(b []byte, ss []string) []byte {
	b = binary.AppendUvarint(b, uint64(len(ss)))
	for _, s := range ss {
		b = putBytes(b, []byte(s))
	}
	return b
}

// decoder reads fields; the first problem sticks and ends every read.
type decoder struct {
	b   []byte
	err error
}

func (d *decoder) uvarint(what string) uint64 {
	if d.err != nil {
		return 0
	}
	v, n := binary.Uvarint(d.b)
	if n <= 0 {
		d.err = fmt.Errorf("%s: bad varint: %w", what, ErrFrame)
		return 0
	}
	d.b = d.b[n:]
	return v
}

func (d *decoder) bytes(what string, max int) []byte {
	n := d.uvarint(what + " length")
	if d.err != nil {
		return nil
	}
	if n > uint64(max) || n > uint64(len(d.b)) {
		d.err = fmt.Errorf("%s of %d bytes: over the bound (%d) or the frame (%d left): %w", what, n, max, len(d.b), ErrFrame)
		return nil
	}
	p := d.b[:n:n]
	d.b = d.b[n:]
	return p
}

func (d *decoder) strings(what string) []string {
	n := d.uvarint(what + " count")
	if d.err != nil {
		return nil
	}
	if n > MaxFields {
		d.err = fmt.Errorf("%d %s, over the bound of %d: %w", n, what, MaxFields, ErrFrame)
		return nil
	}
	out := make([]string, 0, n)
	for range n {
		p := d.bytes(what, MaxRequest)
		if d.err != nil {
			return nil
		}
		out = append(out, string(p))
	}
	return out
}

func (d *decoder) end() error {
	if d.err == nil && len(d.b) != 0 {
		d.err = fmt.Errorf("%d bytes after the last field: %w", len(d.b), ErrFrame)
	}
	return d.err
}
