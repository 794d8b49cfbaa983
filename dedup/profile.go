package dedup

import (
	_ "embed"
	"encoding/json"
	"fmt"
	"math"
	"net/url"
	"slices"
	"sort"
	"strings"
	"unicode"

	"github.com/maillage/maillage/geo"
	"github.com/maillage/maillage/internal/memo"
	"github.com/maillage/maillage/schema"
)

//go:embed data/words.json
var wordsJSON []byte

// vocabulary is data/words.json, indexed.
type vocabulary struct {
	Phrases      map[string]string  `json:"phrases"`
	Stopwords    []string           `json:"stopwords"`
	Generic      map[string]float64 `json:"generic"`
	StreetTypes  map[string]string  `json:"street_types"`
	TypeWords    []string           `json:"street_type_words"`
	PostalWords  []string           `json:"postal_words"`
	Vague        []string           `json:"vague_addresses"`
	GenericHosts []string           `json:"generic_hosts"`
	Itinerant    []string           `json:"itinerant"`
	Kinds        map[string]string  `json:"kinds"`
	LabelKinds   map[string]string  `json:"label_kinds"`
	NameKinds    map[string]string  `json:"name_kinds"`
	KindPlaces   []string           `json:"name_kind_places"`
	SIRENKinds   map[string]string  `json:"siren_kinds"`
	OnePerTown   []string           `json:"one_per_commune"`
	FormerNames  []string           `json:"former_names"`
	HostKinds    []string           `json:"host_kinds"`
	PublicBodies []string           `json:"public_bodies"`

	phraseKeys []string // " key ", longest first
	phraseTo   []string // " replacement ", same order
	stop       map[string]bool
	typeWord   map[string]bool
	postal     map[string]bool
	vague      map[string]bool
	hosts      map[string]bool
	mobile     map[string]bool
}

var words = func() *vocabulary {
	var v vocabulary
	if err := json.Unmarshal(wordsJSON, &v); err != nil {
		panic(fmt.Sprintf("dedup: data/words.json: %v", err))
	}
	for k := range v.Phrases {
		v.phraseKeys = append(v.phraseKeys, k)
	}
	sort.Slice(v.phraseKeys, func(i, j int) bool {
		a, b := v.phraseKeys[i], v.phraseKeys[j]
		return len(a) > len(b) || len(a) == len(b) && a < b
	})
	for i, k := range v.phraseKeys {
		v.phraseKeys[i] = " " + k + " "
		v.phraseTo = append(v.phraseTo, " "+v.Phrases[k]+" ")
	}
	v.stop, v.typeWord, v.postal = set(v.Stopwords), set(v.TypeWords), set(v.PostalWords)
	v.hosts, v.mobile, v.vague = set(v.GenericHosts), set(v.Itinerant), set(v.Vague)
	return &v
}()

func set(list []string) map[string]bool {
	m := make(map[string]bool, len(list))
	for _, w := range list {
		m[w] = true
	}
	return m
}

// contacts are the identifiers and contacts a record may carry (most carry
// few: they live apart, to keep the national profile set small).
type contacts struct {
	siret   string
	phone   string
	emails  []string
	hosts   []string
	domains []string // the e-mails' domains and the web hosts, once each; NewEngine keeps the local ones
	parent  string   // the structure_parente, canonical
}

var noContacts = &contacts{}

// profile is what the scorer compares of a member, computed once.
type profile struct {
	name      []string // folded name tokens, phrases canonical, stopwords out
	nameW     []uint8  // tokenWeight of each name token, in hundredths
	fullName  string   // the whole name, canonical
	number    string   // house number with its suffix ("12b"), "" when none
	street    []string // folded street tokens, types spelt out
	streetW   []uint8  // streetWeight of each street token, in hundredths
	insee     string   // current commune of the INSEE code
	postcode  string
	point     geo.Point // only a producer's or an address-level point, when placed
	*contacts           // nil when the record has none
	types     []string
	placed    bool // the record has such a point
	// communeSure: the record's INSEE commune has its postcode (a
	// commune unknown, or of another postcode, is in doubt)
	communeSure bool
	// lostChars: a name or street word holds a lost character
	lostChars bool
	globalID  bool // localID is specific enough to name a record anywhere
	mobile    bool // the name says bus or itinerant
	roams     bool // itinerance says itinerant only (not also fixed)
	// former: the name is a programme's former name (« MSAP », a France
	// services before 2020): an older vintage of the list
	former bool
	// bodyKinds: how many of kinds the name says (the others come from
	// a label or the SIREN): a record named « Communauté de communes… »
	// labelled France Services is the body, whose desk may be elsewhere
	bodyKinds uint8
	// hosts: for a France services, the host kinds (words.host_kinds, a
	// bit each) that what it says of its host names: its complement of
	// address, structure_parente, e-mail domains and web hosts
	hostKinds uint8
	// siteWords: a bit for each of the first eight distinct words that
	// names two sites in the commune (markSiteNames)
	siteWords uint8
	org       int32    // the organisation it belongs to in its commune (organisations), -1 when unknown
	localID   string   // the producer's id, lower-cased, however short
	kinds     []string // kinds of service the name, labels or SIREN say (words.Kinds, LabelKinds, SIRENKinds)
	distinct  []string // the name's words that are neither generic nor kinds

	// source is the record's source and, in an aggregated file, the
	// producer its record names (schema source: « cr93 »): what « one
	// source lists two » reads
	source string
	orgKey uint64 // its organisation's block, named by the organisation's records (orgKeys)
}

// moves: a bus or an itinerant service, whose address is a nominal base.
func (p *profile) moves() bool { return p.mobile || p.roams }

func newProfile(m *Member) profile {
	l := m.Lieu
	p := profile{postcode: l.CodePostal, types: l.Typologie, contacts: contactsOf(l), org: -1}
	p.fullName = canonical(l.Nom)
	p.name = nameTokens(p.fullName, l.Commune)
	p.nameW = make([]uint8, len(p.name))
	area := territoryWords(l.Territoire)
	for i, t := range p.name {
		w := tokenWeight(t)
		if _, kind := words.Kinds[t]; !kind && contains(area, t) {
			w = min(w, areaWordWeight)
		}
		p.nameW[i] = hundredths(w)
	}
	p.number, p.street = splitAddress(l.Adresse)
	p.streetW = make([]uint8, len(p.street))
	for i, t := range p.street {
		p.streetW[i] = hundredths(streetWeight(t))
	}
	if c, ok := geo.Communes().Commune(l.CodeINSEE); ok && codesAgree(c, l.CodeINSEE, l.CodePostal) {
		p.insee = geo.Communes().Current(c).Code
		p.communeSure = hasPostcode(c, l.CodePostal)
	}
	if lon, lat, ok := l.Point(); ok && (l.Placement == nil || l.Placement.Rank() <= 2) {
		p.point, p.placed = geo.Point{Lat: lat, Lon: lon}, true
	}
	p.lostChars = slices.ContainsFunc(p.name, hasLost) || slices.ContainsFunc(p.street, hasLost)
	p.mobile = containsAny(p.name, words.mobile)
	p.roams = declaredItinerant(l.Itinerance)
	p.localID = strings.ToLower(strings.TrimSpace(m.ProducerID))
	p.globalID = globalID(p.localID)
	p.source = m.Source
	if l.Source != "" {
		p.source += "\x00" + l.Source // an aggregated file: the producer its record names
	}
	p.former = formerName(l.Nom)
	for i, t := range p.name {
		switch k, ok := words.Kinds[t]; {
		case ok:
			if !contains(p.kinds, k) {
				p.kinds = append(p.kinds, k)
			}
		case p.nameW[i] >= 50:
			p.distinct = append(p.distinct, t)
		}
	}
	if len(p.name) == 1 && words.NameKinds[p.name[0]] != "" && atKindPlace(p.street) {
		p.kinds = append(p.kinds, words.NameKinds[p.name[0]])
	}
	p.bodyKinds = uint8(min(len(p.kinds), 255))
	for _, d := range l.DispositifProgrammesNationaux {
		if k, ok := words.LabelKinds[d]; ok && !contains(p.kinds, k) {
			p.kinds = append(p.kinds, k)
		}
	}
	if k, ok := words.SIRENKinds[p.siret[:min(2, len(p.siret))]]; ok && !contains(p.kinds, k) {
		p.kinds = append(p.kinds, k)
	}
	if contains(p.kinds, "franceservices") {
		p.hostKinds = hostsNamed(l)
	}
	return p
}

// codesAgree tells whether a record's postcode may be its INSEE
// commune's: one of the commune's postcodes (or of the commune it merged
// into), or one of its département. A record whose two codes disagree
// (« 57490 » with « 04150 ») has a wrong one; its commune is left
// unknown rather than guessed.
func codesAgree(c *geo.Commune, insee, postcode string) bool {
	if postcode == "" || hasPostcode(c, postcode) {
		return true
	}
	return sameDepartement(insee, postcode)
}

// hasPostcode tells whether postcode is one of the commune's (or of the
// commune it merged into).
func hasPostcode(c *geo.Commune, postcode string) bool {
	return slices.Contains(c.Postcodes, postcode) || slices.Contains(geo.Communes().Current(c).Postcodes, postcode)
}

// sameDepartement tells whether an INSEE code and a postcode are of one
// département (Corsica's 2A/2B under 20, overseas by three digits).
func sameDepartement(insee, postcode string) bool {
	if len(insee) != 5 || len(postcode) != 5 {
		return true
	}
	d := insee[:2]
	if d == "2A" || d == "2B" {
		d = "20"
	}
	if d == "97" || d == "98" {
		return insee[:3] == postcode[:3]
	}
	return d == postcode[:2]
}

// formerName tells whether a name uses a programme's former name
// (words.former_names, folded).
func formerName(name string) bool {
	lower := strings.ToLower(name)
	if !strings.Contains(lower, "msap") && !strings.Contains(lower, "public") {
		return false // most names: folded for nothing otherwise
	}
	f := " " + geo.Fold(name) + " "
	for _, w := range words.FormerNames {
		if strings.Contains(f, " "+w+" ") {
			return true
		}
	}
	return false
}

// hostsNamed are the host kinds (a bit per words.host_kinds) that a
// record's complement of address and structure_parente (canonical), and
// the labels of its e-mail domains and web hosts (« msa » in
// alpesvaucluse.msa.fr, « cc » in cc-paysdesecrins.fr), name by a word
// of their kind; hosts every kind of place uses are left out.
func hostsNamed(l *schema.Lieu) uint8 {
	var out uint8
	name := func(w string) {
		if k, ok := words.Kinds[w]; ok {
			if i := slices.Index(words.HostKinds, k); i >= 0 && i < 8 {
				out |= 1 << i
			}
		}
	}
	for _, w := range strings.Fields(canonical(l.ComplementAdresse + " " + l.StructureParente)) {
		name(w)
	}
	var hosts []string
	for _, e := range l.Courriels {
		if _, d, ok := strings.Cut(strings.ToLower(e), "@"); ok {
			hosts = append(hosts, d)
		}
	}
	for _, w := range l.SiteWeb {
		hosts = append(hosts, hostOf(w))
	}
	for _, h := range hosts {
		if words.hosts[h] {
			continue
		}
		labels := strings.FieldsFunc(h, func(r rune) bool { return r == '.' || r == '-' })
		for _, w := range labels[:max(0, len(labels)-1)] { // not the top-level domain
			name(w)
		}
	}
	return out
}

// atKindPlace: no street, or one that names the building of a kind
// (« av de la liberation hotel de ville »).
func atKindPlace(street []string) bool {
	s := " " + strings.Join(street, " ") + " "
	for _, w := range words.KindPlaces {
		if strings.Contains(s, " "+w+" ") {
			return true
		}
	}
	return len(street) == 0
}

func contactsOf(l *schema.Lieu) *contacts {
	c := contacts{siret: siretOf(l.Pivot), phone: digits(l.Telephone), parent: canonical(l.StructureParente)}
	for _, e := range l.Courriels {
		c.emails = append(c.emails, strings.ToLower(strings.TrimSpace(e)))
	}
	for _, w := range l.SiteWeb {
		if h := hostOf(w); h != "" && !words.hosts[h] {
			c.hosts = append(c.hosts, h)
		}
	}
	for _, e := range c.emails {
		if _, d, ok := strings.Cut(e, "@"); ok && d != "" && !contains(c.domains, d) {
			c.domains = append(c.domains, d)
		}
	}
	for _, h := range c.hosts {
		if !contains(c.domains, h) {
			c.domains = append(c.domains, h)
		}
	}
	if c.siret == "" && c.phone == "" && c.emails == nil && c.hosts == nil && c.parent == "" {
		return noContacts
	}
	return &c
}

func declaredItinerant(values []string) bool {
	itinerant, fixed := false, false
	for _, v := range values {
		f := geo.Fold(v)
		itinerant = itinerant || strings.HasPrefix(f, "itinerant")
		fixed = fixed || strings.HasPrefix(f, "fixe")
	}
	return itinerant && !fixed
}

// canonical folds text and rewrites the vocabulary's phrases. A
// replacement character (a file decoded with the wrong charset) is read
// as « e », the commonest accented letter in French.
func canonical(s string) string {
	if s == "" {
		return ""
	}
	f := " " + geo.Fold(strings.ReplaceAll(s, "\uFFFD", "e")) + " "
	for i, k := range words.phraseKeys {
		if strings.Contains(f, k) {
			f = strings.ReplaceAll(f, k, words.phraseTo[i])
		}
	}
	return strings.TrimSpace(f)
}

// lost stands, in an address, for a character lost to a wrong charset
// (« h\uFFFDtel de ville »); it matches any letter.
const lost = "ʔ"

func hasLost(w string) bool { return strings.Contains(w, lost) }

// townWords caches the canonical words of commune names, which every
// record of a commune repeats.
var townWords = memo.Map[string, []string]{Size: 1 << 16}

// hundredths keeps a token's weight in a byte: the vocabulary's weights
// are hundredths from 0 to 1 (data/words.json), and float64(h)/100 gives
// back the very float64 the weight was, so sums do not change.
func hundredths(w float64) uint8 { return uint8(math.Round(w * 100)) }

// fromHundredths reads a weight back: h/100 for each byte h, computed
// once (a division per token would cost the scorer ~1 %).
var fromHundredths = func() (t [256]float64) {
	for h := range t {
		t[h] = float64(h) / 100
	}
	return t
}()

// areaWordWeight is the weight of a name word that is a word of the
// record's EPCI, département or région name (« Pays des Écrins » in
// « France services du Pays des Écrins - Antenne Vallouise », « Alpes »
// in « MSA Alpes Vaucluse »): it says where, not which place.
const areaWordWeight = 0.3

// areaWords caches the canonical words of the names of a record's EPCI,
// département and région, kinds of service left out, keyed by the three
// codes; the embedded referential never changes, so nothing invalidates it.
var areaWords = memo.Map[schema.Territoire, []string]{Size: 1 << 12}

func territoryWords(t *schema.Territoire) []string {
	if t == nil {
		return nil
	}
	return areaWords.Do(*t, func() []string {
		var out []string
		for _, a := range [][2]string{{"epci", t.EPCI}, {"dep", t.Departement}, {"reg", t.Region}} {
			area, ok := geo.AreaNamed(a[0], a[1])
			if !ok {
				continue
			}
			for _, w := range strings.Fields(canonical(area.Name)) {
				if _, kind := words.Kinds[w]; !kind && !words.stop[w] && !contains(out, w) {
					out = append(out, w)
				}
			}
		}
		return out
	})
}

// nameTokens are the canonical name's words without stopwords and without
// the words of the commune's name (« Mairie de Lagnes » says « mairie » in
// Lagnes).
func nameTokens(name, commune string) []string {
	town := townWords.Do(commune, func() []string { return strings.Fields(canonical(commune)) })
	var out []string
	for _, w := range strings.Fields(name) {
		if !words.stop[w] && !contains(town, w) && !contains(out, w) {
			out = append(out, w)
		}
	}
	return out
}

// splitAddress finds the house number (with bis/ter or a letter) and the
// street words, lost characters kept as such; postal additions (BP, CS, CEDEX and their numbers) are
// dropped, street-type abbreviations spelt out.
func splitAddress(addr string) (string, []string) {
	toks := strings.Fields(geo.Fold(strings.ReplaceAll(addr, "\uFFFD", lost)))
	var number string
	var street []string
	for i := 0; i < len(toks); i++ {
		w := toks[i]
		switch {
		case words.postal[w]:
			if i+1 < len(toks) && isDigits(toks[i+1]) {
				i++
			}
		case gluedPostal(w):
		case number == "" && len(street) == 0 && isNumber(w):
			number = w
			if i+1 < len(toks) && suffix(toks[i+1]) {
				number += toks[i+1][:1]
				i++
			}
		case words.stop[w]:
		case len(street) > 0 && len(w) == 5 && isDigits(w):
			i = len(toks) // « … 04310 PEYRUIS »: the postcode and commune close the line
		default:
			if full, ok := words.StreetTypes[w]; ok {
				w = full
			} else if !words.typeWord[w] {
				w = unelided(w)
			}
			street = append(street, w)
		}
	}
	if number == "" && words.vague[strings.Join(street, " ")] {
		street = nil // « le village », « mairie »: no street to compare
	}
	return strings.TrimLeft(number, "0"), street
}

// unelided takes off an article whose apostrophe was lost (« LHOTEL DE
// VILLE », « DARMES »): l or d before a vowel or h, the rest a word of
// four letters or more. A word that only looks so (« lavoir ») loses its
// first letter on every record alike, which compares the same; street
// types (« lotissement ») are left whole.
func unelided(w string) string {
	if len(w) >= 5 && (w[0] == 'l' || w[0] == 'd') && strings.IndexByte("aeiouh", w[1]) >= 0 {
		return w[1:]
	}
	return w
}

// gluedPostal spots a postal box glued to its number (« tsa58432 »).
func gluedPostal(w string) bool {
	for _, p := range words.PostalWords {
		if rest, ok := strings.CutPrefix(w, p); ok && len(rest) >= 3 && isDigits(rest) {
			return true
		}
	}
	return false
}

func suffix(w string) bool {
	return w == "bis" || w == "ter" || w == "quater" || len(w) == 1 && w >= "a" && w <= "h"
}

// isNumber accepts "12", "12b", "12bis" (house numbers up to 4 digits: a
// longer figure is a postal or internal code).
func isNumber(w string) bool {
	n := 0
	for n < len(w) && w[n] >= '0' && w[n] <= '9' {
		n++
	}
	return n > 0 && n <= 4 && (n == len(w) || suffix(w[n:]))
}

func isDigits(w string) bool {
	return w != "" && strings.IndexFunc(w, func(r rune) bool { return !unicode.IsDigit(r) }) < 0
}

func digits(s string) string {
	return strings.Map(func(r rune) rune {
		if unicode.IsDigit(r) {
			return r
		}
		return -1
	}, s)
}

// siretOf keeps a 14-digit SIRET (the pivot may also be an RNA number).
func siretOf(pivot string) string {
	d := digits(pivot)
	if len(d) != 14 || strings.Trim(d, "0") == "" {
		return ""
	}
	return d
}

func hostOf(raw string) string {
	if !strings.Contains(raw, "://") {
		raw = "http://" + raw
	}
	u, err := url.Parse(strings.TrimSpace(raw))
	if err != nil {
		return ""
	}
	return strings.TrimPrefix(strings.ToLower(u.Hostname()), "www.")
}

func contains(list []string, w string) bool {
	for _, x := range list {
		if x == w {
			return true
		}
	}
	return false
}

func containsAny(list []string, m map[string]bool) bool {
	for _, w := range list {
		if m[w] {
			return true
		}
	}
	return false
}
