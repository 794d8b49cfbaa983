package pipeline_test

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/maillage/maillage/config"
	"github.com/maillage/maillage/harvest"
	"github.com/maillage/maillage/pipeline"
)

// TestNoPersonalDataPublished: the persons' e-mails and mobiles of a
// source's contact columns, and the raw fields of its quarantined
// records, reach none of the published files; the report says how many
// values were withheld; the operator's report keeps the raw fields.
func TestNoPersonalDataPublished(t *testing.T) {
	const src = `id,nom,commune,code_postal,adresse,courriel,telephone,Contact : nom,Contact : email,Contact : téléphone
p-1,Médiathèque Jean Jaurès,Nevers,58000,12 rue des Arts,,,Jeanne Martin,jeanne.martin@gmail.com,06 12 34 56 78
p-2,EPN du Marais,Nevers,58000,3 rue Perrée,epn@nevers.fr,03 86 11 22 33,Paul Durand,accueil.epn@nevers.fr,07 98 76 54 32
p-3,Sans commune,,,,,,Luc Petit,luc.petit@orange.fr,06 00 00 00 01
`
	dir := t.TempDir()
	os.WriteFile(filepath.Join(dir, "hub.csv"), []byte(src), 0o644)
	cfg := &config.Config{Dir: dir, Sources: []config.Source{{Source: harvest.Source{Name: "hub", Kind: "file", Location: "hub.csv"}}}}
	st := openStore(t)
	p := newPipeline(st, cfg)
	rep, err := p.Run(context.Background(), cfg, pipeline.Options{})
	if err != nil {
		t.Fatal(err)
	}
	out, private := t.TempDir(), t.TempDir()
	if err := p.WriteFiles(context.Background(), out, rep); err != nil {
		t.Fatal(err)
	}
	if err := pipeline.WriteOperatorReport(private, rep.Report); err != nil {
		t.Fatal(err)
	}
	personal := []string{"jeanne.martin@gmail.com", "06 12 34 56 78", "+33612345678", "+33798765432", "luc.petit@orange.fr", "Jeanne Martin", "Luc Petit"}
	entries, _ := os.ReadDir(out)
	for _, e := range entries {
		b, _ := os.ReadFile(filepath.Join(out, e.Name()))
		for _, v := range personal {
			if strings.Contains(string(b), v) {
				t.Errorf("published %s holds %q", e.Name(), v)
			}
		}
	}
	csv, _ := os.ReadFile(filepath.Join(out, "lieux.csv"))
	if !strings.Contains(string(csv), "accueil.epn@nevers.fr") && !strings.Contains(string(csv), "epn@nevers.fr") {
		t.Errorf("the structure's e-mail is not published:\n%s", csv)
	}
	if n := rep.Sources[0].Fixes["personal-contact-withheld"]; n != 5 {
		t.Errorf("withheld values not counted: %v", rep.Sources[0].Fixes)
	}
	b, _ := os.ReadFile(filepath.Join(private, "report.json"))
	if !strings.Contains(string(b), "luc.petit@orange.fr") {
		t.Errorf("the operator's report lacks the quarantined record's raw fields")
	}
}
