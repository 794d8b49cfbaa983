// Package datagouvtest is a data.gouv.fr API (udata /api/1) for tests:
// it answers the dataset and resource calls the publisher makes the way
// udata documents and implements them — X-API-KEY required, datasets
// created by POST, replaced by PUT (a member left out takes its default,
// as udata's form does: private false), files uploaded as multipart
// "file" into a new resource or into an existing one that keeps its id,
// checksums in SHA-1, errors as {"message": …} — and it can be told to
// fail: a status on the next requests of a route, 429 with Retry-After.
package datagouvtest

import (
	"crypto/rand"
	"crypto/sha1"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"path"
	"strings"
	"sync"

	"github.com/maillage/maillage/exporters/datagouv"
)

// Server is a fake data.gouv.fr.
type Server struct {
	*httptest.Server
	// Key is the API key it accepts.
	Key string

	mu       sync.Mutex
	datasets map[string]*datagouv.Dataset
	files    map[string][]byte // resource id → its file
	faults   []fault
	// Calls counts the requests by "METHOD route" (route: datasets,
	// dataset, upload-new, upload, resource).
	Calls map[string]int
}

type fault struct {
	route      string
	status     int
	retryAfter string
	times      int
}

// New starts a fake data.gouv.fr; its API is at URL + "/api/1".
func New(key string) *Server {
	s := &Server{Key: key, datasets: map[string]*datagouv.Dataset{}, files: map[string][]byte{}, Calls: map[string]int{}}
	s.Server = httptest.NewServer(http.HandlerFunc(s.serve))
	return s
}

// API is the API's root URL.
func (s *Server) API() string { return s.URL + "/api/1" }

// Fail makes the next times requests of a route answer status (with a
// Retry-After when given).
func (s *Server) Fail(route string, status, times int, retryAfter string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.faults = append(s.faults, fault{route: route, status: status, retryAfter: retryAfter, times: times})
}

// Dataset returns a copy of a dataset.
func (s *Server) Dataset(id string) (datagouv.Dataset, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	d, ok := s.datasets[id]
	if !ok {
		return datagouv.Dataset{}, false
	}
	c := *d
	c.Resources = append([]datagouv.Resource(nil), d.Resources...)
	return c, true
}

// SetPrivate marks a dataset private, as its owner may on the site.
func (s *Server) SetPrivate(id string, private bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.datasets[id].Private = private
}

// File is the file a resource holds.
func (s *Server) File(resourceID string) []byte {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.files[resourceID]
}

// Count returns and resets the calls counted.
func (s *Server) Count() map[string]int {
	s.mu.Lock()
	defer s.mu.Unlock()
	c := s.Calls
	s.Calls = map[string]int{}
	return c
}

func (s *Server) serve(w http.ResponseWriter, r *http.Request) {
	route, parts := routeOf(r.URL.Path)
	s.mu.Lock()
	defer s.mu.Unlock()
	s.Calls[r.Method+" "+route]++
	if r.Header.Get("X-API-KEY") != s.Key {
		answer(w, http.StatusUnauthorized, map[string]string{"message": "Invalid API Key"})
		return
	}
	for i := range s.faults {
		if f := &s.faults[i]; f.route == route && f.times > 0 {
			f.times--
			if f.retryAfter != "" {
				w.Header().Set("Retry-After", f.retryAfter)
			}
			answer(w, f.status, map[string]string{"message": http.StatusText(f.status)})
			return
		}
	}
	switch r.Method + " " + route {
	case "POST datasets":
		s.create(w, r)
	case "GET dataset":
		s.get(w, parts[0])
	case "PUT dataset":
		s.put(w, r, parts[0])
	case "POST upload-new":
		s.upload(w, r, parts[0], "")
	case "POST upload":
		s.upload(w, r, parts[0], parts[1])
	case "PUT resource":
		s.putResource(w, r, parts[0], parts[1])
	default:
		answer(w, http.StatusNotFound, map[string]string{"message": "no route " + r.Method + " " + r.URL.Path})
	}
}

// routeOf names a path of the API and returns its ids.
func routeOf(p string) (string, []string) {
	segs := strings.Split(strings.Trim(strings.TrimPrefix(p, "/api/1"), "/"), "/")
	switch {
	case len(segs) == 1 && segs[0] == "datasets":
		return "datasets", nil
	case len(segs) == 2 && segs[0] == "datasets":
		return "dataset", segs[1:]
	case len(segs) == 3 && segs[2] == "upload":
		return "upload-new", segs[1:2]
	case len(segs) == 5 && segs[2] == "resources" && segs[4] == "upload":
		return "upload", []string{segs[1], segs[3]}
	case len(segs) == 4 && segs[2] == "resources":
		return "resource", []string{segs[1], segs[3]}
	}
	return "unknown", nil
}

func answer(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	json.NewEncoder(w).Encode(v)
}

func randomID(n int) string {
	b := make([]byte, n)
	rand.Read(b)
	return hex.EncodeToString(b)
}

func (s *Server) create(w http.ResponseWriter, r *http.Request) {
	var d datagouv.Dataset
	if err := json.NewDecoder(r.Body).Decode(&d); err != nil || d.Title == "" {
		answer(w, http.StatusBadRequest, map[string]any{"message": "Validation error", "errors": map[string][]string{"title": {"This field is required."}}})
		return
	}
	d.ID, d.Resources = randomID(12), nil
	s.datasets[d.ID] = &d
	answer(w, http.StatusCreated, d)
}

func (s *Server) get(w http.ResponseWriter, id string) {
	d, ok := s.datasets[id]
	if !ok {
		answer(w, http.StatusNotFound, map[string]string{"message": "Dataset not found"})
		return
	}
	answer(w, http.StatusOK, d)
}

func (s *Server) put(w http.ResponseWriter, r *http.Request, id string) {
	d, ok := s.datasets[id]
	if !ok {
		answer(w, http.StatusNotFound, map[string]string{"message": "Dataset not found"})
		return
	}
	var in datagouv.Dataset // members left out take their zero value, private false
	if err := json.NewDecoder(r.Body).Decode(&in); err != nil || in.Title == "" {
		answer(w, http.StatusBadRequest, map[string]any{"message": "Validation error"})
		return
	}
	in.ID, in.Resources = d.ID, d.Resources
	s.datasets[id] = &in
	answer(w, http.StatusOK, in)
}

func (s *Server) upload(w http.ResponseWriter, r *http.Request, id, rid string) {
	d, ok := s.datasets[id]
	if !ok {
		answer(w, http.StatusNotFound, map[string]string{"message": "Dataset not found"})
		return
	}
	f, h, err := r.FormFile("file")
	if err != nil {
		answer(w, http.StatusBadRequest, map[string]string{"message": "Upload error: " + err.Error()})
		return
	}
	body, _ := io.ReadAll(f)
	sum := sha1.Sum(body)
	res := datagouv.Resource{Title: h.Filename, Filetype: "file", Type: "main", Format: strings.TrimPrefix(path.Ext(h.Filename), "."),
		Filesize: int64(len(body)), Checksum: &datagouv.Checksum{Type: "sha1", Value: hex.EncodeToString(sum[:])}}
	status := http.StatusCreated
	if rid == "" {
		res.ID = fmt.Sprintf("%s-%s", randomID(4), randomID(6))
		d.Resources = append(d.Resources, res)
	} else {
		i := indexOf(d.Resources, rid)
		if i < 0 {
			answer(w, http.StatusNotFound, map[string]string{"message": "Resource does not exist"})
			return
		}
		res.ID, res.Description, res.Schema = rid, d.Resources[i].Description, d.Resources[i].Schema
		d.Resources[i], status = res, http.StatusOK
	}
	res.URL = s.URL + "/fichiers/" + res.ID + "/" + h.Filename
	s.files[res.ID] = body
	answer(w, status, res)
}

func (s *Server) putResource(w http.ResponseWriter, r *http.Request, id, rid string) {
	d, ok := s.datasets[id]
	i := -1
	if ok {
		i = indexOf(d.Resources, rid)
	}
	if i < 0 {
		answer(w, http.StatusNotFound, map[string]string{"message": "Resource does not exist"})
		return
	}
	var in datagouv.Resource
	if err := json.NewDecoder(r.Body).Decode(&in); err != nil {
		answer(w, http.StatusBadRequest, map[string]string{"message": "Validation error"})
		return
	}
	cur := &d.Resources[i]
	cur.Title, cur.Description, cur.Format, cur.Type, cur.Schema = in.Title, in.Description, in.Format, in.Type, in.Schema
	answer(w, http.StatusOK, cur)
}

func indexOf(rs []datagouv.Resource, id string) int {
	for i, r := range rs {
		if r.ID == id {
			return i
		}
	}
	return -1
}
