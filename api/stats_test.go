package api_test

import (
	"bytes"
	"encoding/csv"
	"encoding/json"
	"net/http/httptest"
	"testing"
)

// TestStatsRoutes: the observatoire's figures of the bundled examples,
// for France and a département, and each table as CSV.
func TestStatsRoutes(t *testing.T) {
	st := examplesStore(t)
	srv := httptest.NewServer(newServer(t, st).Handler())
	defer srv.Close()
	var france struct {
		Lieux      int
		Population int
		Coverage   []struct {
			Kind   string
			Shares []float64
		}
		Territories []struct {
			Kind, Code string
			Lieux      int
		}
		Farthest []struct {
			Code       string
			DistanceKm float64 `json:"distance_km"`
		}
	}
	resp, body := get(t, srv.URL+"/api/v1/stats")
	if err := json.Unmarshal(body, &france); err != nil || resp.StatusCode != 200 {
		t.Fatalf("%d %v %s", resp.StatusCode, err, body)
	}
	sum := 0
	for _, p := range france.Territories {
		if p.Kind == "reg" {
			sum += p.Lieux
		}
	}
	if france.Lieux < 3000 || france.Population < 66e6 || len(france.Coverage) != 3 || sum > france.Lieux || len(france.Farthest) != 20 {
		t.Errorf("France: %d lieux (%d in régions), population %d, coverage %v, %d farthest", france.Lieux, sum, france.Population, france.Coverage, len(france.Farthest))
	}
	t.Logf("France: %d lieux, population %d, coverage %v, farthest %+v", france.Lieux, france.Population, france.Coverage, france.Farthest[:3])
	for _, c := range france.Coverage {
		if !(c.Shares[0] <= c.Shares[1] && c.Shares[1] <= c.Shares[2] && c.Shares[2] <= 1) {
			t.Errorf("coverage %s not growing with the radius: %v", c.Kind, c.Shares)
		}
	}
	resp, body = get(t, srv.URL+"/api/v1/stats?territoire=dep:05")
	var dep struct {
		Lieux       int
		Territories []struct{ Kind string }
	}
	if json.Unmarshal(body, &dep); resp.StatusCode != 200 || dep.Lieux == 0 || len(dep.Territories) == 0 || dep.Territories[0].Kind != "epci" {
		t.Errorf("dep:05: %d %s", resp.StatusCode, body)
	}
	for _, table := range []string{"couverture", "territoires", "communes-eloignees", "typologies", "dispositifs", "services", "repartition"} {
		resp, body := get(t, srv.URL+"/api/v1/stats/"+table+".csv?territoire=reg:93")
		rows, err := csv.NewReader(bytes.NewReader(body)).ReadAll()
		if resp.StatusCode != 200 || err != nil || len(rows) < 2 {
			t.Errorf("%s.csv: %d %v %d rows", table, resp.StatusCode, err, len(rows))
		}
	}
	for path, code := range map[string]int{"/api/v1/stats?territoire=dep:5": 400, "/api/v1/stats?x=1": 400, "/api/v1/stats/nope.csv": 404} {
		if resp, _ := get(t, srv.URL+path); resp.StatusCode != code {
			t.Errorf("%s: %d, want %d", path, resp.StatusCode, code)
		}
	}
}
