package pipeline

import (
	"strings"
	"testing"
)

func TestBoundedError(t *testing.T) {
	long := "zip: 100000 data files (" + strings.Repeat("é", 5000) + ")"
	got := boundedError(long)
	if len(got) > maxErrorText+40 || !strings.HasSuffix(got, " more bytes)") || !strings.HasPrefix(got, "zip: 100000 data files") {
		t.Errorf("bounded: %d bytes, ends %q", len(got), got[len(got)-30:])
	}
	if short := "HTTP 500"; boundedError(short) != short {
		t.Errorf("a short error is kept")
	}
}

func TestPublicError(t *testing.T) {
	cases := []struct{ in, want string }{
		{`harvest: source "hub": GET http://10.0.3.7:8080/export.csv?token=abc: dial tcp 10.0.3.7:8080: connect: connection refused`,
			`harvest: source "hub": GET <URL>: dial tcp <address>: connect: connection refused`},
		{`harvest: source "hub": GET https://hub.example/x: dial tcp: lookup hub.example on 127.0.0.53:53: no such host`,
			`harvest: source "hub": GET <URL>: dial tcp: lookup hub.example on <address>: no such host`},
		{`open /srv/maillage/secret/lieux.csv: no such file or directory`, `open <path>: no such file or directory`},
		{`lookup x on [fd00::1]:53: timeout`, `lookup x on <address>: timeout`},
		{`held: 1 records, the source's applied data has 3 (below 50%)`, `held: 1 records, the source's applied data has 3 (below 50%)`},
	}
	for _, c := range cases {
		if got := PublicError(c.in); got != c.want {
			t.Errorf("PublicError(%q)\n = %q\nwant %q", c.in, got, c.want)
		}
	}
	if got := PublicError(strings.Repeat("x", 5000)); len(got) > 310 {
		t.Errorf("public error of %d bytes", len(got))
	}
}
