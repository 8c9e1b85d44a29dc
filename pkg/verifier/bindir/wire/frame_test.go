package wire

import (
	"bytes"
	"encoding/binary"
	"errors"
	"io"
	"slices"
	"strings"
	"testing"
	"time"
)

// TestRoundTrip: what is written is what is read, for every kind.
func TestRoundTrip(t *testing.T) {
	q := Request{Kind: KindVerify, Args: []string{"-name", "reg/app:v1", ""}, Env: []string{"HOME=/root", "NFD_COMPAT_CONFIG="}, Stdin: []byte(`{"digest":"x"}`)}
	var b bytes.Buffer
	if err := WriteRequest(&b, q); err != nil {
		t.Fatal(err)
	}
	got, err := ReadRequest(&b)
	if err != nil || got.Kind != q.Kind || !slices.Equal(got.Args, q.Args) || !slices.Equal(got.Env, q.Env) || !bytes.Equal(got.Stdin, q.Stdin) {
		t.Fatalf("request %+v, %v", got, err)
	}
	b.Reset()
	if err := WriteAck(&b, 7*time.Second); err != nil {
		t.Fatal(err)
	}
	a := Answer{Code: 1, Stdout: []byte("nfd-compat: refused\n"), Stderr: []byte("level=warning\n")}
	if err := WriteAnswer(&b, a); err != nil {
		t.Fatal(err)
	}
	if err := WriteError(&b, "uid 65534 is not served"); err != nil {
		t.Fatal(err)
	}
	if r, err := ReadReply(&b); err != nil || r.Kind != KindAck || r.Within != 7*time.Second {
		t.Fatalf("ack %+v, %v", r, err)
	}
	if r, err := ReadReply(&b); err != nil || r.Kind != KindAnswer || r.Answer.Code != 1 || string(r.Answer.Stdout) != string(a.Stdout) || string(r.Answer.Stderr) != string(a.Stderr) {
		t.Fatalf("answer %+v, %v", r, err)
	}
	if r, err := ReadReply(&b); err != nil || r.Kind != KindError || r.Message != "uid 65534 is not served" {
		t.Fatalf("error %+v, %v", r, err)
	}
	if _, err := ReadReply(&b); err != io.EOF {
		t.Fatalf("after the last frame: %v, want io.EOF", err)
	}
	if err := WriteAnswer(io.Discard, Answer{Code: 256}); !errors.Is(err, ErrFrame) {
		t.Errorf("exit code 256 written: %v", err)
	}
}

func header(k Kind, n uint32) []byte {
	h := []byte(magic + string([]byte{Version, byte(k), 0, 0, 0, 0}))
	binary.BigEndian.PutUint32(h[6:], n)
	return h
}

// TestBadFrames: every malformed input is an ErrFrame naming the problem.
func TestBadFrames(t *testing.T) {
	valid := EncodeRequest(Request{Args: []string{"-name", "x"}})
	for _, tc := range []struct {
		name, in, want string
	}{
		{"truncated header", "nfdv\x01", "truncated header"},
		{"other magic", "HTTP/1.1 200", "magic"},
		{"other version", magic + "\x09V\x00\x00\x00\x00", "protocol version 9"},
		{"oversize", string(header(KindVerify, MaxRequest+1)), "over the"},
		{"truncated body", string(header(KindVerify, 10)) + "abc", "truncated body"},
		{"not a request", string(header(KindAnswer, 0)), "not a request"},
		{"trailing bytes", string(header(KindVerify, uint32(len(valid)+1))) + string(valid) + "x", "after the last field"},
		{"too many args", string(header(KindVerify, 3)) + "\xff\x0f\x00", "over the bound of"},
		{"string past the end", string(header(KindVerify, 2)) + "\x01\x05", "frame"},
		{"bad varint", string(header(KindVerify, 2)) + "\xff\xff", "bad varint"},
		{"empty body", string(header(KindVerify, 0)), "arguments count"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := ReadRequest(strings.NewReader(tc.in))
			if !errors.Is(err, ErrFrame) || !strings.Contains(err.Error(), tc.want) {
				t.Errorf("error %v, want an ErrFrame saying %q", err, tc.want)
			}
		})
	}
	noEq := EncodeRequest(Request{Env: []string{"HOME"}})
	if _, err := DecodeRequest(KindVerify, noEq); !errors.Is(err, ErrFrame) || !strings.Contains(err.Error(), "no '='") {
		t.Errorf("env without '=': %v", err)
	}
	for _, tc := range []struct {
		k    Kind
		body string
		want string
	}{
		{KindAnswer, "\x80\x02", "exit code 256"},
		{KindAck, "\xff\xff\xff\xff\x7f", "over an hour"},
		{KindVerify, "", "not a reply"},
		{KindAnswer, "\x00\x05ab", "stdout of 5 bytes"},
	} {
		if _, err := DecodeReply(tc.k, []byte(tc.body)); !errors.Is(err, ErrFrame) || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("reply %q %q: %v, want %q", tc.k, tc.body, err, tc.want)
		}
	}
}

// TestReadsStdin: the client reads stdin only when the verifier would.
func TestReadsStdin(t *testing.T) {
	for _, tc := range []struct {
		args []string
		want bool
	}{
		{[]string{"-name", "r/a:v1", "-digest", "sha256:x", "-stdin-media-type", DescriptorMediaType}, true},
		{[]string{"--name=r/a:v1", "--stdin-media-type=" + DescriptorMediaType}, true},
		{[]string{"-name", "r/a:v1", "-stdin-media-type", "application/json"}, false},
		{[]string{"-stdin-media-type", DescriptorMediaType}, false},
		{[]string{"-h"}, false},
		{[]string{"-bogus", "-name", "x", "-stdin-media-type", DescriptorMediaType}, false},
	} {
		if got := ReadsStdin(tc.args); got != tc.want {
			t.Errorf("%q: %v, want %v", tc.args, got, tc.want)
		}
	}
}

// FuzzDecode: no input makes a decoder panic or allocate past its bounds;
// what decodes re-encodes to the same bytes.
func FuzzDecode(f *testing.F) {
	f.Add(byte('V'), EncodeRequest(Request{Args: []string{"-name", "x"}, Env: []string{"A=b"}, Stdin: []byte("{}")}))
	f.Add(byte('R'), []byte("\x01\x02ab\x00"))
	f.Add(byte('A'), []byte("\x88\x27"))
	f.Add(byte('E'), []byte("\x03why"))
	f.Fuzz(func(t *testing.T, k byte, body []byte) {
		if q, err := DecodeRequest(Kind(k), body); err == nil {
			if !bytes.Equal(EncodeRequest(q), body) {
				t.Fatalf("request %q re-encodes differently", body)
			}
		}
		_, _ = DecodeReply(Kind(k), body)
		var b bytes.Buffer
		_ = WriteFrame(&b, Kind(k), body)
		_, _ = ReadRequest(&b)
	})
}
