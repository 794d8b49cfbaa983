package dedup_test

import (
	"strings"
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/maillage/maillage/dedup"
	"github.com/maillage/maillage/schema"
)

func member(source, key, producerID, cp, nom, date string, prio int) dedup.Member {
	return dedup.Member{Ref: dedup.Ref{Source: source, RecordKey: key}, ProducerID: producerID, Priority: prio,
		Lieu: &schema.Lieu{Nom: nom, CodePostal: cp, DateMaj: date}}
}

func existing(clusters []dedup.Cluster, created time.Time) dedup.Existing {
	ex := dedup.Existing{Links: map[dedup.Ref]string{}, Created: map[string]time.Time{}}
	for _, c := range clusters {
		for _, m := range c.Members {
			ex.Links[m] = c.ID
		}
		ex.Created[c.ID] = created
	}
	return ex
}

func byMember(clusters []dedup.Cluster) map[dedup.Ref]dedup.Cluster {
	out := map[dedup.Ref]dedup.Cluster{}
	for _, c := range clusters {
		for _, m := range c.Members {
			out[m] = c
		}
	}
	return out
}

func TestSurvivorship(t *testing.T) {
	first := member("first", "abc-1234567890", "abc-1234567890", "13500", "Médiathèque Alpha", "2023-05-16", 0)
	first.Lieu.Telephone, first.Lieu.Services = "+33442000000", []string{"Accès internet et matériel informatique"}
	second := member("second", "abc-1234567890", "abc-1234567890", "13500", "Médiathèque Alpha de Martigues", "2023-05-17", 1)
	second.Lieu.Services = []string{"Aide aux démarches administratives", "Accès internet et matériel informatique"}
	second.Lieu.Courriels = []string{"alpha@example.org"}
	c := dedup.Merge([]dedup.Member{second, first}, dedup.Existing{})
	if len(c) != 1 {
		t.Fatalf("%d clusters, want 1", len(c))
	}
	l, prov := c[0].Lieu, c[0].Provenance()
	if l.Nom != "Médiathèque Alpha" || prov["nom"].Source != "first" {
		t.Errorf("the source listed first wins over a fresher one: %q from %v", l.Nom, prov["nom"])
	}
	if l.Courriels[0] != "alpha@example.org" || prov["courriels"].Source != "second" || l.Telephone != "+33442000000" {
		t.Errorf("an empty field is filled from the next member: %+v %v", l, prov)
	}
	if len(l.Services) != 2 || l.Services[0] != "Accès internet et matériel informatique" || prov["services"].Source != "first" {
		t.Errorf("multi-valued fields are united, best-ranked first: %v %v", l.Services, prov["services"])
	}
	same := second
	sameLieu := *second.Lieu
	same.Lieu = &sameLieu
	same.Ref, same.Priority, same.Lieu.Nom, same.Lieu.DateMaj = dedup.Ref{Source: "third", RecordKey: "k"}, 0, "Médiathèque Alpha (ancien)", "2022-01-01"
	if c := dedup.Merge([]dedup.Member{same, first}, dedup.Existing{}); len(c) != 1 || c[0].Lieu.Nom != "Médiathèque Alpha" {
		t.Errorf("on equal priority the fresher record wins: %+v", c)
	}
}

func TestIDsAreStable(t *testing.T) {
	ms := []dedup.Member{
		member("a", "1", "1", "75001", "A", "", 0),
		member("a", "2", "2", "75002", "B", "", 0),
	}
	first := dedup.Merge(ms, dedup.Existing{})
	fresh := dedup.Merge(ms, dedup.Existing{})
	again := dedup.Merge(append([]dedup.Member{member("a", "3", "3", "75003", "C", "", 0)}, ms...), existing(first, time.Now()))
	f, r, a := byMember(first), byMember(fresh), byMember(again)
	for _, ref := range []dedup.Ref{{Source: "a", RecordKey: "1"}, {Source: "a", RecordKey: "2"}} {
		if f[ref].ID != a[ref].ID || f[ref].ID != r[ref].ID {
			t.Errorf("%v: id %s, then %s, rebuilt %s", ref, f[ref].ID, a[ref].ID, r[ref].ID)
		}
	}
}

func TestMergeKeepsOldestIDAndSplitKeepsOne(t *testing.T) {
	x := member("a", "k", "shared-id-000001", "75001", "X", "", 0)
	y := member("b", "k", "shared-id-000001", "75001", "X", "", 1)
	ya := y
	ya.ProducerID = "other-id-0000002"
	// Two runs ago they were apart (y first), then they merge.
	apart := dedup.Merge([]dedup.Member{x, ya}, dedup.Existing{})
	ex := existing(apart, time.Now())
	yID := byMember(apart)[y.Ref].ID
	ex.Created[yID] = time.Now().Add(-time.Hour)
	merged := dedup.Merge([]dedup.Member{x, y}, ex)
	if len(merged) != 1 || merged[0].ID != yID || len(merged[0].Retired) != 1 || merged[0].Retired[0] != byMember(apart)[x.Ref].ID {
		t.Fatalf("merge: %+v", merged)
	}
	// They split again: one side keeps the survivor's id, nothing retired.
	split := dedup.Merge([]dedup.Member{x, ya}, existing(merged, time.Now()))
	ids := map[string]bool{}
	for _, c := range split {
		ids[c.ID] = true
		if len(c.Retired) != 0 {
			t.Errorf("split retired %v", c.Retired)
		}
	}
	if len(split) != 2 || !ids[yID] {
		t.Errorf("split: %+v", split)
	}
}

func TestMergeKeepsTheMostPrecisePoint(t *testing.T) {
	at := func(m dedup.Member, lat float64, p *schema.Placement) dedup.Member {
		lat, lon := 43+lat/10000, 5.0 // a few metres apart
		l := *m.Lieu
		m.Lieu = &l
		m.Lieu.Latitude, m.Lieu.Longitude, m.Lieu.Placement = &lat, &lon, p
		return m
	}
	source := &schema.Placement{Source: schema.PointFromSource}
	street := &schema.Placement{Source: schema.PointFromGeocoder, Precision: "street", Score: 0.8}
	number := &schema.Placement{Source: schema.PointFromGeocoder, Precision: "housenumber", Score: 0.9}
	centre := &schema.Placement{Source: schema.PointFromCommuneCentre, Precision: "municipality"}
	id := "dora-3d647b3a-a5b6"
	cases := []struct {
		name    string
		members []dedup.Member
		lat     float64
		from    string
	}{
		{"newer commune centre does not beat an older source point", []dedup.Member{
			at(member("a", "k", id, "13500", "A", "2024-01-01", 0), 1, centre),
			at(member("b", "k", id, "13500", "A", "2020-01-01", 1), 2, source)}, 2, "b"},
		{"housenumber beats street", []dedup.Member{
			at(member("a", "k", id, "13500", "A", "2024-01-01", 0), 1, street),
			at(member("b", "k", id, "13500", "A", "2020-01-01", 1), 2, number)}, 2, "b"},
		{"equal precision follows source priority", []dedup.Member{
			at(member("a", "k", id, "13500", "A", "2024-01-01", 1), 1, source),
			at(member("b", "k", id, "13500", "A", "2020-01-01", 0), 2, source)}, 2, "b"},
		{"a point beats none", []dedup.Member{
			member("a", "k", id, "13500", "A", "2024-01-01", 0),
			at(member("b", "k", id, "13500", "A", "2020-01-01", 1), 2, centre)}, 2, "b"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			got := dedup.Merge(c.members, dedup.Existing{})
			if len(got) != 1 {
				t.Fatalf("%d clusters, want 1", len(got))
			}
			l := got[0].Lieu
			if l.Latitude == nil || *l.Latitude != 43+c.lat/10000 || l.Placement == nil {
				t.Fatalf("point %v placement %v, want latitude %v", l.Latitude, l.Placement, c.lat)
			}
			if p := got[0].Provenance(); p["latitude"].Source != c.from || p["longitude"].Source != c.from {
				t.Errorf("provenance %v, want both coordinates from %s", p, c.from)
			}
		})
	}
}

func TestMergeTakesTerritoireWithTheCommune(t *testing.T) {
	id := "dora-3d647b3a-a5b6"
	a := member("a", "k", id, "13500", "A", "2024-01-01", 0)
	b := member("b", "k", id, "13500", "A", "2020-01-01", 1)
	b.Lieu.CodeINSEE, b.Lieu.Territoire = "13056", &schema.Territoire{Departement: "13", Region: "93", EPCI: "200054807"}
	got := dedup.Merge([]dedup.Member{a, b}, dedup.Existing{})
	if len(got) != 1 || got[0].Lieu.CodeINSEE != "13056" || got[0].Lieu.Territoire == nil || got[0].Lieu.Territoire.EPCI != "200054807" {
		t.Errorf("merged %+v", got)
	}
}

// TestAbsorbedRecordsRetireIntoTheirSurvivor: when a peer merged record
// 2 into record 1 and record 2 is gone, the lieu record 2 fed retires
// into record 1's lieu, which keeps its own id even when the absorbed
// lieu is older; without Absorbed it would simply disappear.
func TestAbsorbedRecordsRetireIntoTheirSurvivor(t *testing.T) {
	one := member("peer", "1", "1", "75001", "Un", "", 0)
	two := member("peer", "2", "2", "69003", "Deux", "", 0)
	before := dedup.Merge([]dedup.Member{one, two}, dedup.Existing{})
	ex := existing(before, time.Now())
	ids := byMember(before)
	ex.Created[ids[two.Ref].ID] = time.Now().Add(-time.Hour)
	after := dedup.Merge([]dedup.Member{one}, ex)
	if len(after) != 1 || len(after[0].Retired) != 0 {
		t.Fatalf("without Absorbed: %+v", after)
	}
	ex.Absorbed = map[dedup.Ref][]dedup.Ref{one.Ref: {two.Ref}}
	after = dedup.Merge([]dedup.Member{one}, ex)
	if len(after) != 1 || after[0].ID != ids[one.Ref].ID || len(after[0].Retired) != 1 || after[0].Retired[0] != ids[two.Ref].ID {
		t.Errorf("with Absorbed: %+v, want %s keeping its id and retiring %s", after, ids[one.Ref].ID, ids[two.Ref].ID)
	}
	back := dedup.Merge([]dedup.Member{one, two}, ex)
	for _, c := range back {
		if len(c.Retired) != 0 {
			t.Errorf("an absorbed record present again keeps its lieu: %+v", back)
		}
	}
}

// TestMintedIDsAreUUIDv5 pins the ids a rebuild mints: UUIDv5 (RFC 9562)
// of the namespace and « source NUL record key », then, when that id was
// retired, of the same name followed by NUL and a counter. They are
// computed here with the uuid package, independently of ids.go.
func TestMintedIDsAreUUIDv5(t *testing.T) {
	ns := uuid.MustParse("6f1c7e0a-3d0b-5b8e-9a4c-6d61696c6c61")
	want := func(name string) string { return uuid.NewSHA1(ns, []byte(name)).String() }
	long := strings.Repeat("clé-é", 80) // past the stack buffer
	cases := []struct {
		name, source, key string
		retired           []string
		want              string
	}{
		{"first id", "hinaura", "42", nil, want("hinaura\x0042")},
		{"long key", "s", long, nil, want("s\x00" + long)},
		{"own id retired", "hinaura", "42", []string{want("hinaura\x0042")}, want("hinaura\x0042\x001")},
		{"two retired", "a", "b", []string{want("a\x00b"), want("a\x00b\x001")}, want("a\x00b\x002")},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			if c.retired == nil && dedup.MintID(c.source, c.key) != c.want {
				t.Errorf("MintID = %s, want %s", dedup.MintID(c.source, c.key), c.want)
			}
			ex := dedup.Existing{Retired: map[string]bool{}}
			for _, id := range c.retired {
				ex.Retired[id] = true
			}
			got := dedup.Merge([]dedup.Member{member(c.source, c.key, "", "75001", "A", "", 0)}, ex)
			if len(got) != 1 || got[0].ID != c.want {
				t.Errorf("minted %+v, want %s", got, c.want)
			}
		})
	}
}
