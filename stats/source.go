package stats

import (
	"sync"
	"time"

	"github.com/maillage/maillage/geo"
	"github.com/maillage/maillage/readmodel"
	"github.com/maillage/maillage/schema"
)

// FromModel reads the lieux of a read model; saturday is the Saturday
// whose opening hours say whether a lieu opens on Saturdays.
func FromModel(m *readmodel.Model, saturday time.Time) []Lieu {
	out := make([]Lieu, m.Len())
	for i := range m.Len() {
		e := m.Entry(i)
		l := &out[i]
		l.ID, l.Lon, l.Lat, l.HasPoint, l.Updated = e.ID(), e.Lon, e.Lat, e.HasPoint, e.Updated
		l.Commune, l.Departement, l.Region, l.EPCI = e.Get("code_insee"), e.Get("departement"), e.Get("region"), e.Get("epci")
		l.Typologies, l.Dispositifs, l.Services = e.List("typologie"), e.List("dispositif_programmes_nationaux"), e.List("services")
		l.Free = IsFree(e.List("frais_a_charge"))
		if s := e.Schedule(); s != nil {
			l.Saturday = s.OpensOn(saturday.In(e.Zone()))
		}
	}
	return out
}

// NextSaturday is the first Saturday after t (the day the « open on
// Saturday » figure reads).
func NextSaturday(t time.Time) time.Time {
	d := t.AddDate(0, 0, (int(time.Saturday)-int(t.Weekday())+7)%7)
	if d.YearDay() == t.YearDay() && d.Year() == t.Year() {
		d = d.AddDate(0, 0, 7)
	}
	return time.Date(d.Year(), d.Month(), d.Day(), 12, 0, 0, 0, time.UTC)
}

var (
	communesOnce sync.Once
	communes     []Commune
)

// ReferentialCommunes are the current communes of the embedded
// referential, with their centres and populations (read once).
func ReferentialCommunes() []Commune {
	communesOnce.Do(func() {
		for _, c := range geo.Communes().CurrentCommunes() {
			cc := Commune{Code: c.Code, Name: c.Name, Departement: c.Departement, Region: c.Region, EPCI: c.EPCI, Population: c.Population}
			if c.Centre != nil {
				cc.Lon, cc.Lat, cc.HasCentre = c.Centre.Lon, c.Centre.Lat, true
			}
			communes = append(communes, cc)
		}
	})
	return communes
}

// TerritoryName is a territory's name in the referential (its code when
// it has none).
func TerritoryName(kind, code string) string {
	t, err := schema.ParseTerritory(kind + ":" + code)
	if err != nil {
		return code
	}
	if name, ok := geo.TerritoryName(t); ok {
		return name
	}
	return code
}

// ScopeOf reads a territory filter ("" : France).
func ScopeOf(territoire string) (Scope, error) {
	if territoire == "" {
		return Scope{Name: "France"}, nil
	}
	t, err := schema.ParseTerritory(territoire)
	if err != nil {
		return Scope{}, err
	}
	return Scope{Kind: t.Kind.Prefix, Code: t.Code, Name: TerritoryName(t.Kind.Prefix, t.Code)}, nil
}
