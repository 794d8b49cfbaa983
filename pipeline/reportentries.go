package pipeline

import (
	"bytes"
	"encoding/json"
	"sync"
)

// reportEntries keeps the record entries of report.json encoded, indented
// as the report has them, by record version from one report to the next:
// an entry whose record did not change is not encoded again (most of the
// report, run after run).
type reportEntries struct {
	mu         sync.Mutex
	last, next map[entryKey][]byte
	enc        *json.Encoder
	buf        bytes.Buffer
}

// entryKey is what an entry is made of: its record's version (its issues,
// its raw fields), its place and its list.
type entryKey struct {
	source, key, version string
	index, line          int
	warned               bool
}

// entryIndent leads the lines of an entry after its first: it sits in a
// list of a source in the list of sources.
const entryIndent = "        "

// appendList appends a source's list of entries, as encoding the list in
// place gives.
func (c *reportEntries) appendList(b *bytes.Buffer, source string, list []QuarantinedRecord, warned bool) error {
	switch {
	case list == nil:
		b.WriteString("null")
		return nil
	case len(list) == 0:
		b.WriteString("[]")
		return nil
	}
	b.WriteString("[\n")
	for i := range list {
		entry, err := c.entry(source, &list[i], warned)
		if err != nil {
			return err
		}
		b.WriteString(entryIndent)
		b.Write(entry)
		if i < len(list)-1 {
			b.WriteByte(',')
		}
		b.WriteByte('\n')
	}
	b.WriteString(entryIndent[:6] + "]")
	return nil
}

// entry returns an entry encoded: the last report's when its record is
// the same version, at the same place.
func (c *reportEntries) entry(source string, q *QuarantinedRecord, warned bool) ([]byte, error) {
	key := entryKey{source, q.RecordKey, q.version, q.Index, q.Line, warned}
	if b, ok := c.last[key]; ok && q.version != "" {
		c.next[key] = b
		return b, nil
	}
	if c.enc == nil {
		c.enc = newIndenter(&c.buf, entryIndent)
	}
	c.buf.Reset()
	if err := c.enc.Encode(q); err != nil {
		return nil, err
	}
	b := bytes.Clone(bytes.TrimSuffix(c.buf.Bytes(), []byte("\n")))
	c.next[key] = b
	return b, nil
}

// begin starts a report; end keeps its entries for the next.
func (c *reportEntries) begin() {
	c.mu.Lock()
	c.next = make(map[entryKey][]byte, len(c.last))
}

func (c *reportEntries) end(ok bool) {
	if ok {
		c.last = c.next
	}
	c.next = nil
	c.mu.Unlock()
}
