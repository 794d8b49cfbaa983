package web

import (
	"math"
	"net/http"
	"net/url"
	"strconv"
	"strings"

	"github.com/maillage/maillage/stats"
)

// StatsSource gives the observatoire's report of a scope over the read
// model served (api.Server.StatsReport).
type StatsSource func(scope stats.Scope) (*stats.Report, []stats.Lieu)

// observatoirePage is what observatoire.html shows.
type observatoirePage struct {
	Scope      stats.Scope
	Territoire string // the filter, "" for France
	Query      string // "?territoire=…" or ""
	Report     *stats.Report
	Tables     []stats.Table
	Coverage   chart
	Supply     chart
	Headline   []figure
}

type figure struct{ Label, Value string }

// chart is a server-rendered SVG bar chart; its table says the same in
// text.
type chart struct {
	ID, Title, Desc string
	Width, Height   int
	Bars            []bar
}

type bar struct {
	Label, Text string
	Y, Width    int
}

const (
	chartLabelWidth = 230
	chartBarMax     = 380
	chartRow        = 22
)

func newChart(id, title, desc string, labels []string, values []float64, text func(float64) string) chart {
	c := chart{ID: id, Title: title, Desc: desc, Width: chartLabelWidth + chartBarMax + 90, Height: chartRow*len(labels) + 8}
	top := 0.0
	for _, v := range values {
		top = math.Max(top, v)
	}
	for i, label := range labels {
		w := 0
		if top > 0 {
			w = int(values[i] / top * chartBarMax)
		}
		c.Bars = append(c.Bars, bar{Label: label, Text: text(values[i]), Y: 4 + i*chartRow, Width: w})
	}
	return c
}

// observatoire shows the figures of France or of a territory.
func (s *Site) observatoire(w http.ResponseWriter, r *http.Request) {
	if s.Stats == nil {
		s.render(w, r, http.StatusNotFound, "notfound.html", "observatoire")
		return
	}
	territoire := strings.TrimSpace(r.URL.Query().Get("territoire"))
	scope, err := stats.ScopeOf(territoire)
	if err != nil {
		s.render(w, r, http.StatusBadRequest, "notfound.html", "observatoire : "+err.Error())
		return
	}
	report, lieux := s.Stats(scope)
	p := observatoirePage{Scope: scope, Territoire: territoire, Report: report, Tables: stats.Tables(report, lieux)}
	if territoire != "" {
		p.Query = "?territoire=" + url.QueryEscape(territoire)
	}
	p.Headline = []figure{
		{"lieux", frInt(report.Lieux)}, {"habitants", frInt(report.Population)},
		{"lieux pour 10 000 habitants", frFloat(report.PerTenThousand, 2)},
		{"des habitants à moins de 10 km d'un lieu", frPercent(report.Coverage[0].Shares[1])},
		{"âge médian des fiches (jours)", frInt(report.Freshness.MedianDays)},
	}
	var labels []string
	var values []float64
	for _, c := range report.Coverage {
		for i, radius := range stats.Radii {
			labels = append(labels, coverageLabel(c.Kind)+", moins de "+strconv.Itoa(int(radius))+" km")
			values = append(values, c.Shares[i]*100)
		}
	}
	p.Coverage = newChart("graphique-couverture", "Part des habitants à moins de 5, 10 et 20 km d'un lieu",
		"Diagramme en barres ; les mêmes valeurs sont dans le tableau « Population à moins de 5, 10 et 20 km d'un lieu ».",
		labels, values, func(v float64) string { return frFloat(v, 1) + " %" })
	labels, values = nil, nil
	for _, t := range report.Territories {
		if t.Kind == firstKind(report) && t.Population > 0 {
			labels, values = append(labels, t.Name), append(values, t.PerTenThousand)
		}
	}
	p.Supply = newChart("graphique-offre", "Lieux pour 10 000 habitants",
		"Diagramme en barres par territoire ; les mêmes valeurs sont dans le tableau « Offre et besoin par territoire ».",
		labels, values, func(v float64) string { return frFloat(v, 2) })
	s.render(w, r, http.StatusOK, "observatoire.html", p)
}

func firstKind(r *stats.Report) string {
	if len(r.Territories) == 0 {
		return ""
	}
	return r.Territories[0].Kind
}

func coverageLabel(kind string) string {
	switch kind {
	case "gratuits":
		return "Lieux gratuits"
	case "ouverts_le_samedi":
		return "Lieux ouverts le samedi"
	}
	return "Tous les lieux"
}

// frInt writes an integer the French way: 68 952 941.
func frInt(n int) string {
	s := strconv.Itoa(n)
	neg := strings.HasPrefix(s, "-")
	s = strings.TrimPrefix(s, "-")
	var b strings.Builder
	for i, c := range s {
		if i > 0 && (len(s)-i)%3 == 0 {
			b.WriteString("\u202f")
		}
		b.WriteRune(c)
	}
	if neg {
		return "-" + b.String()
	}
	return b.String()
}

func frFloat(v float64, digits int) string {
	return strings.Replace(strconv.FormatFloat(v, 'f', digits, 64), ".", ",", 1)
}

func frPercent(share float64) string { return frFloat(share*100, 1) + " %" }
