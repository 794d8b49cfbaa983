package geocodertest_test

import (
	"bytes"
	"encoding/csv"
	"encoding/json"
	"mime/multipart"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/maillage/maillage/geo/geocodertest"
)

type collection struct {
	Type     string `json:"type"`
	Features []struct {
		Geometry struct {
			Coordinates []float64 `json:"coordinates"`
		} `json:"geometry"`
		Properties struct {
			Label, Type, Citycode, Postcode string
			Score                           float64
		} `json:"properties"`
	} `json:"features"`
}

func getJSON(t *testing.T, u string) (int, collection) {
	t.Helper()
	resp, err := http.Get(u)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var c collection
	json.NewDecoder(resp.Body).Decode(&c)
	return resp.StatusCode, c
}

func TestSearchAndReverse(t *testing.T) {
	f, srv := geocodertest.Start()
	defer srv.Close()
	var e geocodertest.Entry
	for _, x := range f.Entries() {
		if x.Type == "housenumber" && x.QueryPostcode == x.Postcode {
			e = x
			break
		}
	}
	q := url.Values{"q": {e.QueryAddress + " " + e.QueryPostcode + " " + e.QueryCity}, "postcode": {e.Postcode}}
	code, c := getJSON(t, srv.URL+"/search?"+q.Encode())
	if code != 200 || c.Type != "FeatureCollection" || len(c.Features) != 1 || c.Features[0].Properties.Label != e.Label ||
		c.Features[0].Properties.Score != e.Score || c.Features[0].Geometry.Coordinates[0] != e.Lon {
		t.Fatalf("search %q: %d %+v", q.Get("q"), code, c)
	}
	q.Set("postcode", "99999")
	if _, c := getJSON(t, srv.URL+"/search?"+q.Encode()); len(c.Features) != 0 {
		t.Errorf("a postcode filter that does not match must give nothing: %+v", c)
	}
	if code, _ := getJSON(t, srv.URL+"/search?q="); code != 400 {
		t.Errorf("empty q: %d", code)
	}
	rv := url.Values{"lat": {strconv.FormatFloat(e.Lat+0.0001, 'f', -1, 64)}, "lon": {strconv.FormatFloat(e.Lon, 'f', -1, 64)}}
	if _, c := getJSON(t, srv.URL+"/reverse?"+rv.Encode()); len(c.Features) != 1 || c.Features[0].Properties.Citycode != e.CityCode {
		t.Errorf("reverse: %+v", c)
	}
	if f.Calls("/search") != 3 || f.Calls("/reverse") != 1 || f.Calls("") != 4 {
		t.Errorf("calls %d %d %d", f.Calls("/search"), f.Calls("/reverse"), f.Calls(""))
	}
}

func TestSearchCSV(t *testing.T) {
	f, srv := geocodertest.Start()
	defer srv.Close()
	e := f.Entries()[10]
	var body bytes.Buffer
	mw := multipart.NewWriter(&body)
	fw, _ := mw.CreateFormFile("data", "in.csv")
	fw.Write([]byte("id,adresse,cp\n1," + e.QueryAddress + "," + e.Postcode + "\n2,12 rue qui n'existe pas,75001\n"))
	mw.WriteField("columns", "adresse")
	mw.WriteField("postcode", "cp")
	mw.Close()
	resp, err := http.Post(srv.URL+"/search/csv", mw.FormDataContentType(), &body)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	rows, err := csv.NewReader(resp.Body).ReadAll()
	if err != nil || len(rows) != 3 {
		t.Fatalf("%v %v", err, rows)
	}
	h := rows[0]
	col := func(row []string, name string) string {
		for i, c := range h {
			if c == name {
				return row[i]
			}
		}
		return "?"
	}
	if col(rows[1], "result_label") != e.Label || col(rows[1], "result_status") != "ok" || col(rows[1], "result_citycode") != e.CityCode ||
		col(rows[2], "result_status") != "not-found" || col(rows[2], "result_label") != "" || h[0] != "id" {
		t.Errorf("rows %v", rows)
	}
}

func TestFaults(t *testing.T) {
	f, srv := geocodertest.Start()
	defer srv.Close()
	client := &http.Client{Timeout: 200 * time.Millisecond}
	cases := []struct {
		fault geocodertest.Fault
		wait  time.Duration
		check func(*http.Response, error) bool
	}{
		{geocodertest.ServerError, 0, func(r *http.Response, err error) bool { return err == nil && r.StatusCode == 500 }},
		{geocodertest.TooManyRequests, 2 * time.Second, func(r *http.Response, err error) bool {
			return err == nil && r.StatusCode == 429 && r.Header.Get("Retry-After") == "2"
		}},
		{geocodertest.Refuse, 0, func(r *http.Response, err error) bool { return err != nil }},
		{geocodertest.Hang, time.Second, func(r *http.Response, err error) bool { return err != nil && strings.Contains(err.Error(), "Timeout") }},
		{geocodertest.NoFault, 0, func(r *http.Response, err error) bool { return err == nil && r.StatusCode == 200 }},
	}
	for _, c := range cases {
		f.SetFault(c.fault, c.wait)
		resp, err := client.Get(srv.URL + "/search?q=rue")
		if !c.check(resp, err) {
			t.Errorf("fault %d: %v %v", c.fault, resp, err)
		}
		if resp != nil {
			resp.Body.Close()
		}
	}
}
