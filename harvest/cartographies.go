package harvest

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"sort"
	"strconv"
	"strings"
)

// The cartography engines hubs publish with: YesWiki's Bazar forms and
// GoGoCarto maps. Both answer JSON whose records nest objects (a
// GoGoCarto element's address and point); their members are lifted to
// the top, so that « streetAddress » or « latitude » is a column.

// YesWikiOptions name a Bazar form (kind yeswiki; the source's location is
// the wiki's base URL, e.g. https://www.example.org/ or
// https://www.example.org/wakka.php?wiki=).
type YesWikiOptions struct {
	Form int `yaml:"form"`
}

func validateYesWiki(src Source) error {
	var errs []error
	if err := needURL(src, "the wiki's base URL"); err != nil {
		errs = append(errs, err)
	}
	if src.YesWiki.Form <= 0 {
		errs = append(errs, errors.New("yeswiki.form: the Bazar form's number is required"))
	}
	return errors.Join(errs...)
}

type yesWiki struct{ web *HTTPFetcher }

// Fetch reads the form's entries (?api/forms/{id}/entries), an object of
// entries keyed by their id (or, in some versions, an array), and returns
// them as an array in id order.
func (y *yesWiki) Fetch(ctx context.Context, src Source, cond Conditional) (*Payload, error) {
	base := src.Location
	if !strings.Contains(base, "?") {
		base = strings.TrimSuffix(base, "/") + "/?"
	}
	p, err := y.web.Get(ctx, base+"api/forms/"+strconv.Itoa(src.YesWiki.Form)+"/entries", cond, nil)
	if err != nil || p.NotModified {
		return p, err
	}
	var byID map[string]map[string]any
	if err := json.Unmarshal(p.Body, &byID); err != nil {
		var list []map[string]any
		if err2 := json.Unmarshal(p.Body, &list); err2 != nil {
			return nil, fmt.Errorf("%s: not a Bazar entries answer: %w", p.URL, err)
		}
		return withRecords(p, list)
	}
	ids := make([]string, 0, len(byID))
	for id := range byID {
		ids = append(ids, id)
	}
	sort.Strings(ids)
	list := make([]map[string]any, len(ids))
	for i, id := range ids {
		list[i] = byID[id]
	}
	return withRecords(p, list)
}

type goGoCarto struct{ web *HTTPFetcher }

// Fetch reads /api/elements.json: {"data": [elements]}, each element's
// nested objects (geo, address) lifted to the top.
func (g *goGoCarto) Fetch(ctx context.Context, src Source, cond Conditional) (*Payload, error) {
	p, err := g.web.Get(ctx, strings.TrimSuffix(src.Location, "/")+"/api/elements.json", cond, nil)
	if err != nil || p.NotModified {
		return p, err
	}
	var doc struct {
		Data []map[string]any `json:"data"`
	}
	if err := json.Unmarshal(p.Body, &doc); err != nil || doc.Data == nil {
		return nil, fmt.Errorf("%s: not a GoGoCarto elements answer (no \"data\" list): %v", p.URL, err)
	}
	return withRecords(p, doc.Data)
}

// withRecords replaces a payload's body by the records, flattened, as one
// JSON array.
func withRecords(p *Payload, list []map[string]any) (*Payload, error) {
	for _, r := range list {
		lift(r)
	}
	body, err := json.Marshal(list)
	if err != nil {
		return nil, err
	}
	p.Body, p.ContentType = body, "application/json"
	return p, nil
}

// lift moves the members of a record's nested objects to the top, unless
// the record already has a member of that name; objects are taken in name
// order, so the result does not depend on map order.
func lift(r map[string]any) {
	var nested []string
	for k, v := range r {
		if _, ok := v.(map[string]any); ok {
			nested = append(nested, k)
		}
	}
	sort.Strings(nested)
	for _, k := range nested {
		for ik, iv := range r[k].(map[string]any) {
			if _, taken := r[ik]; !taken {
				r[ik] = iv
			}
		}
		delete(r, k)
	}
}
