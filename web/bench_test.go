package web_test

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"testing"

	"github.com/maillage/maillage/readmodel"
	"github.com/maillage/maillage/schema"
	"github.com/maillage/maillage/store"
	"github.com/maillage/maillage/store/sqlite"
	"github.com/maillage/maillage/web"
)

// BenchmarkSearchPage renders the no-JavaScript list of a 50-result
// search (2 000 lieux within 10 km of Gap, with hours, phones and
// appointment links), through the handler.
func BenchmarkSearchPage(b *testing.B) {
	ctx := context.Background()
	st, err := sqlite.Open(ctx, filepath.Join(b.TempDir(), "m.db"))
	if err != nil {
		b.Fatal(err)
	}
	defer st.Close()
	var set store.LieuSet
	hours := []string{"Mo-Fr 09:00-12:00,14:00-17:00", "Tu-Sa 10:00-18:00", "We 14:00-18:00; Sa 10:00-12:30", ""}
	for i := range 2000 {
		l := lieu(fmt.Sprintf("lieu-%04d", i), fmt.Sprintf("Espace numérique n° %d", i), 6.0794+float64(i%40-20)*0.002, 44.5594+float64(i/40-25)*0.0015,
			hours[i%len(hours)], func(l *schema.Lieu) { l.Telephone, l.PriseRdv = "04 92 00 00 00", "https://rdv.example.fr/" })
		set.Lieux = append(set.Lieux, store.PublishedLieu{Lieu: l})
	}
	if _, err := st.SaveLieux(ctx, set, tuesday); err != nil {
		b.Fatal(err)
	}
	m, err := readmodel.Build(ctx, st)
	if err != nil {
		b.Fatal(err)
	}
	s := web.New(func() *readmodel.Model { return m }, http.NotFoundHandler(), slog.New(slog.NewTextHandler(io.Discard, nil)))
	h := s.Handler()
	b.ReportAllocs()
	for b.Loop() {
		req := httptest.NewRequest(http.MethodGet, "/?adresse=Gap&frais=Gratuit", nil)
		req.Header.Set("Accept", browser)
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, req)
		if rec.Code != 200 || len(ids(rec.Body.String())) != 50 {
			b.Fatalf("%d, %d results", rec.Code, len(ids(rec.Body.String())))
		}
	}
}
