package main

import (
	"context"
	"encoding/json"
	"io"
	"net"
	"net/http"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"
)

func freeAddr(t *testing.T) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	return ln.Addr().String()
}

// TestServeSyncsServesAndShutsDown is the README's first command: a first
// boot harvests the examples, serves them, and stops cleanly on signal.
func TestServeSyncsServesAndShutsDown(t *testing.T) {
	dir := t.TempDir()
	addr := freeAddr(t)
	env := map[string]string{"MAILLAGE_DB": filepath.Join(dir, "m.db"), "MAILLAGE_OUT": filepath.Join(dir, "out"), "MAILLAGE_LOG_LEVEL": "warn",
		"MAILLAGE_GEOCODER_URL": "off", "MAILLAGE_ADMIN_TOKEN": "s3cret"}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan int, 1)
	go func() {
		code, _, stderr := runCLI(t, ctx, env, "serve", "--config", "../../config.example.yaml", "--addr", addr)
		if code != 0 {
			t.Errorf("serve exit %d: %s", code, stderr)
		}
		done <- code
	}()
	var page struct {
		Features []json.RawMessage `json:"features"`
		Links    []struct{ Rel string }
	}
	deadline := time.Now().Add(180 * time.Second) // the first boot syncs the examples before listening: under -race on a loaded machine, about a minute
	for {
		resp, err := http.Get("http://" + addr + "/api/v1/lieux?limit=5")
		if err == nil {
			json.NewDecoder(resp.Body).Decode(&page)
			resp.Body.Close()
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("server never answered: %v", err)
		}
		time.Sleep(100 * time.Millisecond)
	}
	if len(page.Features) != 5 || !slices.ContainsFunc(page.Links, func(l struct{ Rel string }) bool { return l.Rel == "next" }) {
		t.Errorf("first page: %d features, links %+v", len(page.Features), page.Links)
	}
	for _, f := range []string{"lieux.csv", "lieux.geojson", "provenance.csv", "report.json"} {
		if !fileExists(filepath.Join(dir, "out", f)) {
			t.Errorf("%s not written", f)
		}
	}
	checkSourcesAndAdmin(t, addr)
	checkPages(t, addr)
	cancel()
	select {
	case <-done:
	case <-time.After(30 * time.Second):
		t.Fatal("serve did not shut down")
	}
	if _, err := http.Get("http://" + addr + "/healthz"); err == nil || !strings.Contains(err.Error(), "refused") {
		t.Errorf("server still answering after shutdown: %v", err)
	}
}

// checkPages: a browser gets the search page at / and a search around
// Gap lists lieux of the examples; other clients get the API's landing;
// the sources pages read the quality reports the sync wrote; the
// embedded map and its builder answer.
func checkPages(t *testing.T, addr string) {
	t.Helper()
	for _, c := range []struct{ path, accept, want string }{
		{"/", "text/html", "Trouver un lieu d'accompagnement au numérique"},
		{"/?adresse=Gap&rayon=20", "text/html", "lieux trouvés à moins de 20 km de Gap"},
		{"/", "", `"conformance"`},
		{"/tiles/lieux.json", "", `"tilejson":"3.0.0"`},
		{"/sources", "text/html", `<a href="/sources/paca-2023-05-17">paca-2023-05-17</a>`},
		{"/sources", "text/html", "À jour"},
		{"/sources/paca-2023-05-17", "text/html", "Votre fichier"},
		{"/sources/paca-2023-05-17/rapport.csv", "", "ligne,enregistrement,identifiant,niveau,champ"},
		{"/carte?territoire=reg:93", "text/html", `data-tiles="/tiles/lieux.json?region=93"`},
		{"/integrer?territoire=dep:05", "text/html", "/carte?territoire=dep%3A05"},
	} {
		req, _ := http.NewRequest(http.MethodGet, "http://"+addr+c.path, nil)
		if c.accept != "" {
			req.Header.Set("Accept", c.accept)
		}
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		body, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if resp.StatusCode != 200 || !strings.Contains(string(body), c.want) {
			t.Errorf("GET %s (Accept %q): %d, without %q: %.300s", c.path, c.accept, resp.StatusCode, c.want, body)
		}
	}
}

// checkSourcesAndAdmin: the sources' statuses carry their next run; an
// administrator starts one source's harvest now.
func checkSourcesAndAdmin(t *testing.T, addr string) {
	t.Helper()
	var sources struct {
		Sources []struct {
			Name    string     `json:"name"`
			Status  string     `json:"status"`
			NextRun *time.Time `json:"next_run"`
		} `json:"sources"`
	}
	resp, err := http.Get("http://" + addr + "/api/v1/sources")
	if err != nil {
		t.Fatal(err)
	}
	json.NewDecoder(resp.Body).Decode(&sources)
	resp.Body.Close()
	count := map[string]int{}
	for _, s := range sources.Sources {
		count[s.Status]++
		if (s.Status == "ok") != (s.NextRun != nil) {
			t.Errorf("%s: status %s, next run %v", s.Name, s.Status, s.NextRun)
		}
	}
	if sources.Sources[0].Status != "ok" || count["ok"] != 5 || count["disabled"] != len(sources.Sources)-5 {
		t.Errorf("sources: %v", count)
	}
	req, _ := http.NewRequest(http.MethodPost, "http://"+addr+"/api/v1/sources/"+sources.Sources[0].Name+"/sync", nil)
	req.Header.Set("Authorization", "Bearer s3cret")
	resp, err = http.DefaultClient.Do(req)
	if err != nil || resp.StatusCode != http.StatusAccepted {
		t.Errorf("admin sync: %v %v", err, resp)
	}
	if resp != nil {
		resp.Body.Close()
	}
}
