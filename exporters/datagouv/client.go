// Package datagouv publishes the lieux on data.gouv.fr: a client of its
// API (udata, /api/1) and the publisher that keeps each configured
// dataset — national or territorial — up to date in place: the dataset
// created once, each file uploaded into the same resource whenever its
// checksum changed, metadata updated only when it differs.
package datagouv

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"mime/multipart"
	"net/http"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"
)

// Client calls data.gouv.fr's API. Requests answered 429 or 5xx, and
// network errors, are tried again Retries times, after Retry-After when
// the answer gives one (at most a minute), else after a backoff that
// doubles.
type Client struct {
	// BaseURL is the API's root, such as https://www.data.gouv.fr/api/1.
	BaseURL string
	// APIKey is sent as X-API-KEY.
	APIKey  string
	HTTP    *http.Client
	Retries int
	Backoff time.Duration
}

// Dataset is a dataset as the API gives it (the members used here).
type Dataset struct {
	ID               string     `json:"id,omitempty"`
	Title            string     `json:"title"`
	Description      string     `json:"description"`
	Private          bool       `json:"private"`
	Frequency        string     `json:"frequency,omitempty"`
	License          string     `json:"license,omitempty"`
	Organization     *OrgRef    `json:"organization,omitempty"`
	Spatial          *Spatial   `json:"spatial,omitempty"`
	TemporalCoverage *Temporal  `json:"temporal_coverage,omitempty"`
	Tags             []string   `json:"tags,omitempty"`
	Resources        []Resource `json:"resources,omitempty"`
}

// OrgRef names the dataset's organization.
type OrgRef struct {
	ID string `json:"id"`
}

// Spatial is a dataset's spatial coverage: geozone ids (fr:departement:05,
// country:fr) and the data's granularity (poi: points of interest).
type Spatial struct {
	Zones       []string `json:"zones,omitempty"`
	Granularity string   `json:"granularity,omitempty"`
}

// Temporal is a dataset's temporal coverage (dates, YYYY-MM-DD).
type Temporal struct {
	Start string `json:"start"`
	End   string `json:"end"`
}

// Resource is a file of a dataset.
type Resource struct {
	ID          string    `json:"id,omitempty"`
	Title       string    `json:"title"`
	Description string    `json:"description,omitempty"`
	Format      string    `json:"format,omitempty"`
	Type        string    `json:"type,omitempty"`
	Filetype    string    `json:"filetype,omitempty"`
	Mime        string    `json:"mime,omitempty"`
	URL         string    `json:"url,omitempty"`
	Filesize    int64     `json:"filesize,omitempty"`
	Checksum    *Checksum `json:"checksum,omitempty"`
	Schema      *Schema   `json:"schema,omitempty"`
}

// Checksum is the checksum data.gouv.fr computed of an uploaded file.
type Checksum struct {
	Type  string `json:"type"`
	Value string `json:"value"`
}

// Schema names the schema.data.gouv.fr schema a resource follows.
type Schema struct {
	Name    string `json:"name"`
	Version string `json:"version,omitempty"`
}

// APIError is an answer other than success.
type APIError struct {
	Method, Path string
	Status       int
	Message      string
}

func (e *APIError) Error() string {
	return fmt.Sprintf("data.gouv.fr: %s %s: %d %s", e.Method, e.Path, e.Status, e.Message)
}

// Dataset reads a dataset with its resources.
func (c *Client) Dataset(ctx context.Context, id string) (Dataset, error) {
	var d Dataset
	err := c.doJSON(ctx, http.MethodGet, "/datasets/"+id+"/", nil, &d)
	return d, err
}

// CreateDataset creates a dataset.
func (c *Client) CreateDataset(ctx context.Context, d Dataset) (Dataset, error) {
	var out Dataset
	err := c.doJSON(ctx, http.MethodPost, "/datasets/", d, &out)
	if err == nil && out.ID == "" {
		err = errors.New("data.gouv.fr: the created dataset has no id")
	}
	return out, err
}

// UpdateDataset replaces a dataset's metadata.
func (c *Client) UpdateDataset(ctx context.Context, id string, d Dataset) (Dataset, error) {
	var out Dataset
	d.Resources = nil
	err := c.doJSON(ctx, http.MethodPut, "/datasets/"+id+"/", d, &out)
	return out, err
}

// UploadNew uploads a file as a new resource of a dataset.
func (c *Client) UploadNew(ctx context.Context, datasetID, path string) (Resource, error) {
	var r Resource
	err := c.upload(ctx, "/datasets/"+datasetID+"/upload/", path, &r)
	if err == nil && r.ID == "" {
		err = errors.New("data.gouv.fr: the uploaded resource has no id")
	}
	return r, err
}

// Upload replaces the file of a resource, which keeps its id.
func (c *Client) Upload(ctx context.Context, datasetID, resourceID, path string) (Resource, error) {
	var r Resource
	err := c.upload(ctx, "/datasets/"+datasetID+"/resources/"+resourceID+"/upload/", path, &r)
	return r, err
}

// UpdateResource replaces a resource's metadata.
func (c *Client) UpdateResource(ctx context.Context, datasetID string, r Resource) (Resource, error) {
	var out Resource
	err := c.doJSON(ctx, http.MethodPut, "/datasets/"+datasetID+"/resources/"+r.ID+"/", r, &out)
	return out, err
}

func (c *Client) doJSON(ctx context.Context, method, path string, in, out any) error {
	var body []byte
	if in != nil {
		var err error
		if body, err = json.Marshal(in); err != nil {
			return fmt.Errorf("data.gouv.fr: %s %s: %w", method, path, err)
		}
	}
	return c.do(ctx, method, path, out, func() (io.Reader, string, error) {
		return bytes.NewReader(body), "application/json", nil
	})
}

// upload sends a file as multipart/form-data, its part named "file".
func (c *Client) upload(ctx context.Context, path, file string, out any) error {
	return c.do(ctx, http.MethodPost, path, out, func() (io.Reader, string, error) {
		f, err := os.Open(file)
		if err != nil {
			return nil, "", err
		}
		pr, pw := io.Pipe()
		mw := multipart.NewWriter(pw)
		go func() {
			defer f.Close()
			part, err := mw.CreateFormFile("file", filepath.Base(file))
			if err == nil {
				_, err = io.Copy(part, f)
			}
			if err == nil {
				err = mw.Close()
			}
			pw.CloseWithError(err)
		}()
		return pr, mw.FormDataContentType(), nil
	})
}

// do sends a request (its body made anew for each try) and decodes the
// JSON answer into out.
func (c *Client) do(ctx context.Context, method, path string, out any, body func() (io.Reader, string, error)) error {
	backoff := c.Backoff
	for try := 0; ; try++ {
		wait, err := c.once(ctx, method, path, out, body)
		if err == nil || wait < 0 || try >= c.Retries {
			return err
		}
		if wait == 0 {
			wait, backoff = backoff, backoff*2
		}
		select {
		case <-ctx.Done():
			return fmt.Errorf("data.gouv.fr: %s %s: %w (after %v)", method, path, ctx.Err(), err)
		case <-time.After(wait):
		}
	}
}

// once sends one request; wait ≥ 0 says the error may pass if tried
// again (after wait, when the answer said; 0: the client's backoff),
// wait < 0 that it will not.
func (c *Client) once(ctx context.Context, method, path string, out any, body func() (io.Reader, string, error)) (time.Duration, error) {
	rd, contentType, err := body()
	if err != nil {
		return -1, fmt.Errorf("data.gouv.fr: %s %s: %w", method, path, err)
	}
	req, err := http.NewRequestWithContext(ctx, method, strings.TrimSuffix(c.BaseURL, "/")+path, rd)
	if err != nil {
		return -1, fmt.Errorf("data.gouv.fr: %s %s: %w", method, path, err)
	}
	if method != http.MethodGet {
		req.Header.Set("Content-Type", contentType)
	}
	req.Header.Set("Accept", "application/json")
	req.Header.Set("X-API-KEY", c.APIKey)
	resp, err := c.client().Do(req)
	if err != nil {
		return 0, fmt.Errorf("data.gouv.fr: %s %s: %w", method, path, err)
	}
	defer resp.Body.Close()
	raw, err := io.ReadAll(io.LimitReader(resp.Body, 16<<20))
	if err != nil {
		return 0, fmt.Errorf("data.gouv.fr: %s %s: reading the answer: %w", method, path, err)
	}
	if resp.StatusCode >= 300 {
		apiErr := &APIError{Method: method, Path: path, Status: resp.StatusCode, Message: messageOf(raw)}
		if resp.StatusCode == http.StatusTooManyRequests || resp.StatusCode >= 500 {
			return retryAfter(resp.Header.Get("Retry-After")), apiErr
		}
		return -1, apiErr
	}
	if out != nil {
		if err := json.Unmarshal(raw, out); err != nil {
			return -1, fmt.Errorf("data.gouv.fr: %s %s: the answer is not the expected JSON: %w", method, path, err)
		}
	}
	return -1, nil
}

func (c *Client) client() *http.Client {
	if c.HTTP != nil {
		return c.HTTP
	}
	return http.DefaultClient
}

// messageOf is the message of an error answer ({"message": …} from
// udata), else its first bytes.
func messageOf(raw []byte) string {
	var m struct {
		Message string         `json:"message"`
		Errors  map[string]any `json:"errors"`
	}
	if json.Unmarshal(raw, &m) == nil && m.Message != "" {
		if len(m.Errors) > 0 {
			b, _ := json.Marshal(m.Errors)
			return m.Message + " " + string(b)
		}
		return m.Message
	}
	s := strings.TrimSpace(string(raw))
	if len(s) > 200 {
		s = s[:200] + "…"
	}
	return s
}

// retryAfter reads a Retry-After in seconds (at most a minute); 0 when
// absent.
func retryAfter(h string) time.Duration {
	n, err := strconv.Atoi(strings.TrimSpace(h))
	if err != nil || n < 0 {
		return 0
	}
	return min(time.Duration(n)*time.Second, time.Minute)
}
