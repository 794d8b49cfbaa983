package harvest

import (
	"bytes"
	"fmt"
	"unicode"
	"unicode/utf8"

	"golang.org/x/text/encoding"
	"golang.org/x/text/encoding/charmap"
	utf16 "golang.org/x/text/encoding/unicode"
)

var (
	utf16LEBOM = []byte{0xFF, 0xFE}
	utf16BEBOM = []byte{0xFE, 0xFF}
)

// toUTF8 decodes a document to UTF-8: a UTF-8 BOM is dropped; UTF-16 is
// recognised by its BOM or its zero bytes; valid UTF-8 is kept; a file
// that is UTF-8 but for a few bytes is an error naming the first bad byte;
// otherwise the single-byte encoding (Windows-1252 or Mac Roman) whose
// decoding reads most like French is chosen.
func toUTF8(b []byte) ([]byte, []string, error) {
	switch {
	case bytes.HasPrefix(b, utf8BOM):
		b = b[len(utf8BOM):]
	case bytes.HasPrefix(b, utf16LEBOM), bytes.HasPrefix(b, utf16BEBOM), looksUTF16(b):
		return decodeUTF16(b)
	}
	if utf8.Valid(b) {
		return b, nil, checkBinary(b)
	}
	if at, line, ok := brokenUTF8(b); ok {
		return nil, nil, fmt.Errorf("invalid UTF-8 at byte %d (line %d) of a UTF-8 document", at, line)
	}
	if err := checkBinary(b); err != nil {
		return nil, nil, err
	}
	return decodeSingleByte(b)
}

// looksUTF16 spots UTF-16 without BOM: text with a zero byte every other byte.
func looksUTF16(b []byte) bool {
	n := min(len(b), 400) &^ 1
	if n < 4 {
		return false
	}
	zeros := 0
	for i := 0; i < n; i++ {
		if b[i] == 0 {
			zeros++
		}
	}
	return zeros*3 >= n
}

func decodeUTF16(b []byte) ([]byte, []string, error) {
	order := utf16.LittleEndian
	if bytes.HasPrefix(b, utf16BEBOM) || !bytes.HasPrefix(b, utf16LEBOM) && len(b) > 1 && b[0] == 0 {
		order = utf16.BigEndian
	}
	out, err := utf16.UTF16(order, utf16.UseBOM).NewDecoder().Bytes(b)
	if err != nil {
		return nil, nil, fmt.Errorf("UTF-16: %w", err)
	}
	return out, []string{"decoded from UTF-16"}, checkBinary(out)
}

// brokenUTF8 reports the first invalid byte of a document that otherwise
// contains valid multi-byte UTF-8 sequences (so it is UTF-8, damaged).
func brokenUTF8(b []byte) (at, line int, ok bool) {
	multibyte, first := 0, -1
	for i := 0; i < len(b); {
		r, size := utf8.DecodeRune(b[i:])
		switch {
		case r == utf8.RuneError && size <= 1:
			if first < 0 {
				first = i
			}
		case size > 1:
			multibyte++
		}
		i += max(size, 1)
	}
	if first < 0 || multibyte == 0 {
		return 0, 0, false
	}
	return first, bytes.Count(b[:first], []byte{'\n'}) + 1, true
}

// checkBinary refuses content that is not text: NUL bytes or many control
// characters.
func checkBinary(b []byte) error {
	sample := b[:min(len(b), 8192)]
	control := 0
	for i, c := range sample {
		if c == 0 {
			return fmt.Errorf("binary content (a NUL byte at byte %d): not a CSV or JSON document", i)
		}
		if c < 0x20 && c != '\n' && c != '\r' && c != '\t' && c != '\f' {
			control++
		}
	}
	if control*20 > len(sample) {
		return fmt.Errorf("binary content (%d control characters in the first %d bytes): not a CSV or JSON document", control, len(sample))
	}
	return nil
}

// decodeSingleByte picks Windows-1252 or Mac Roman by how French the
// decoded text looks.
func decodeSingleByte(b []byte) ([]byte, []string, error) {
	best, bestName, bestScore := []byte(nil), "", -1<<31
	for _, c := range []struct {
		name string
		enc  encoding.Encoding
	}{{"Windows-1252", charmap.Windows1252}, {"Mac Roman", charmap.Macintosh}} {
		out, err := c.enc.NewDecoder().Bytes(b)
		if err != nil {
			continue
		}
		if s := frenchScore(out); s > bestScore {
			best, bestName, bestScore = out, c.name, s
		}
	}
	if best == nil {
		return nil, nil, fmt.Errorf("not UTF-8 and not a known single-byte encoding")
	}
	return best, []string{"not valid UTF-8: decoded as " + bestName}, nil
}

// frenchScore counts letters common in French minus unlikely symbols.
func frenchScore(b []byte) int {
	score := 0
	for _, r := range string(b) {
		switch {
		case r < 0x80:
		case bytes.ContainsRune([]byte("éèàçêôîûùëïâœÉÈÀÇÊÔ’«»°"), r):
			score += 2
		case unicode.IsLetter(r):
			score++
		default:
			score -= 2
		}
	}
	return score
}
