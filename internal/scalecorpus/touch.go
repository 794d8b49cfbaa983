package scalecorpus

import (
	"bufio"
	"bytes"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"unicode"
)

// touchMark is what a touched record's first text value gets.
const touchMark = " (mis à jour)"

// Touch writes, under the corpus' directory, a version of it in which
// one record in every is changed (its first text value with a space, a
// name or an address, gets « (mis à jour) »), and a configuration reading
// it under the same source names: a re-sync with it sees that share of
// the records changed. It returns the configuration and the records
// changed.
func Touch(c Corpus, every int) (string, int, error) {
	dir := filepath.Join(filepath.Dir(c.Config), "touched")
	var sources []Source
	changed := 0
	for _, s := range c.Sources {
		data, err := os.ReadFile(s.Path)
		if err != nil {
			return "", 0, fmt.Errorf("reading %s: %w", s.Path, err)
		}
		var b bytes.Buffer
		n, err := touchFile(s.Path, data, &b, every)
		if err != nil {
			return "", 0, fmt.Errorf("changing %s: %w", s.Path, err)
		}
		rel, _ := filepath.Rel(filepath.Dir(c.Config), s.Path)
		path := filepath.Join(dir, rel)
		if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
			return "", 0, err
		}
		if err := os.WriteFile(path, b.Bytes(), 0o644); err != nil {
			return "", 0, err
		}
		changed += n
		sources = append(sources, Source{Name: s.Name, Path: path})
	}
	config := filepath.Join(dir, "maillage.yaml")
	return config, changed, writeConfig(config, sources)
}

func touchFile(path string, data []byte, w *bytes.Buffer, every int) (int, error) {
	i, changed := 0, 0
	due := func() bool {
		i++
		return i%every == 0
	}
	if strings.HasSuffix(path, ".csv") {
		return touchCSV(data, w, due)
	}
	bw := bufio.NewWriter(w)
	err := eachRecord(data, bw, func(raw []byte) ([]byte, error) {
		if !due() {
			return raw, nil
		}
		done := false
		var out bytes.Buffer
		ow := bufio.NewWriter(&out)
		dec := json.NewDecoder(bytes.NewReader(raw))
		dec.UseNumber()
		err := emitValue(dec, ow, "", func(_, v string, number bool) string {
			if !done && !number && touchable(v) {
				done = true
				changed++
				return v + touchMark
			}
			return v
		})
		ow.Flush()
		return out.Bytes(), err
	})
	if err != nil {
		return 0, err
	}
	return changed, bw.Flush()
}

func touchCSV(data []byte, w *bytes.Buffer, due func() bool) (int, error) {
	rows, comma, crlf, err := readCSV(data)
	if err != nil {
		return 0, err
	}
	changed := 0
	for _, row := range rows[1:] {
		if !due() {
			continue
		}
		for j, v := range row {
			if touchable(v) {
				row[j] = v + touchMark
				changed++
				break
			}
		}
	}
	return changed, writeCSV(w, rows, comma, crlf, bytes.HasPrefix(data, []byte("\uFEFF")))
}

func touchable(v string) bool {
	return strings.Contains(v, " ") && strings.IndexFunc(v, unicode.IsLetter) >= 0 && !strings.Contains(v, "\n") && len(v) < 200
}
