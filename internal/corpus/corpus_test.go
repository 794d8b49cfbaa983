package corpus_test

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/maillage/maillage/internal/corpus"
)

func TestWriteSection(t *testing.T) {
	path := filepath.Join(t.TempDir(), "q.md")
	steps := []struct{ name, content, want string }{
		{"a", "A1\n", "<!-- a:start -->\nA1\n<!-- a:end -->\n"},
		{"b", "B1\n", "<!-- a:start -->\nA1\n<!-- a:end -->\n\n<!-- b:start -->\nB1\n<!-- b:end -->\n"},
		{"a", "A2\nA2\n", "<!-- a:start -->\nA2\nA2\n<!-- a:end -->\n\n<!-- b:start -->\nB1\n<!-- b:end -->\n"},
	}
	for _, s := range steps {
		if err := corpus.WriteSection(path, s.name, s.content); err != nil {
			t.Fatal(err)
		}
		got, _ := os.ReadFile(path)
		if string(got) != s.want {
			t.Fatalf("after writing %s:\n%q\nwant\n%q", s.name, got, s.want)
		}
	}
}
