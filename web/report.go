package web

import (
	"net/http"
	"strings"
	"unicode/utf8"

	"github.com/go-chi/chi/v5"

	"github.com/maillage/maillage/internal/ratelimit"
	"github.com/maillage/maillage/store"
)

// Bounds of a report.
const (
	minReport     = 10
	maxReport     = 2000
	maxContact    = 200
	maxReportBody = 16 << 10
)

// report stores an error reported on a lieu's page, then sends the
// person back to the page with thanks (303), or shows the page again
// with what is wrong (422), what they typed kept.
func (s *Site) report(w http.ResponseWriter, r *http.Request) {
	m := s.model()
	e, _ := m.Lookup(chi.URLParam(r, "id"))
	if e == nil || s.Reports == nil {
		s.render(w, r, http.StatusNotFound, "notfound.html", chi.URLParam(r, "id"))
		return
	}
	r.Body = http.MaxBytesReader(w, r.Body, maxReportBody)
	if err := r.ParseForm(); err != nil {
		s.renderLieu(w, r, e, http.StatusRequestEntityTooLarge, lieuPage{Problem: "Le signalement est trop long (2 000 caractères au plus)."})
		return
	}
	form := lieuPage{Message: strings.TrimSpace(r.PostForm.Get("message")), Contact: strings.TrimSpace(r.PostForm.Get("contact"))}
	switch n := utf8.RuneCountInString(form.Message); {
	case n < minReport:
		form.Problem = "Décrivez l'erreur en quelques mots (10 caractères au moins)."
	case n > maxReport:
		form.Problem = "Le signalement est trop long (2 000 caractères au plus)."
	case utf8.RuneCountInString(form.Contact) > maxContact:
		form.Problem = "Le contact est trop long (200 caractères au plus)."
	case !utf8.ValidString(form.Message + form.Contact):
		form.Problem = "Le texte contient des caractères illisibles."
	}
	if form.Problem != "" {
		s.renderLieu(w, r, e, http.StatusUnprocessableEntity, form)
		return
	}
	if ok, _ := s.limiter.Take(ratelimit.ClientAddr(r)); !ok {
		form.Problem = "Vous avez envoyé beaucoup de signalements : réessayez dans quelques minutes."
		s.renderLieu(w, r, e, http.StatusTooManyRequests, form)
		return
	}
	id, err := s.Reports.SaveReport(r.Context(), store.Report{LieuID: e.ID(), Message: form.Message, Contact: form.Contact, ReportedAt: s.Now().UTC()})
	if err != nil {
		s.log.Error("report_save_failed", "lieu", e.ID(), "error", err)
		form.Problem = "Le signalement n'a pas pu être enregistré : réessayez plus tard."
		s.renderLieu(w, r, e, http.StatusServiceUnavailable, form)
		return
	}
	s.log.Info("error_reported", "lieu", e.ID(), "report", id)
	http.Redirect(w, r, "/lieux/"+e.ID()+"?signalement=merci#signaler", http.StatusSeeOther)
}
