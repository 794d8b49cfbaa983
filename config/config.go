// Package config loads maillage's YAML configuration, applies the MAILLAGE_*
// and DATABASE_URL environment overrides and validates the result. The
// Config is a value handed down to the packages that need it; there is no
// global configuration.
package config

import (
	"errors"
	"fmt"
	"net/url"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"time"

	"go.yaml.in/yaml/v3"

	"github.com/maillage/maillage/dedup"
	"github.com/maillage/maillage/harvest"
	"github.com/maillage/maillage/schema"
)

// Config is the whole configuration.
type Config struct {
	// Dir is the directory of the configuration file; relative paths in the
	// file are resolved against it.
	Dir string `yaml:"-"`

	Database Database `yaml:"database"`
	Server   Server   `yaml:"server"`
	Harvest  Harvest  `yaml:"harvest"`
	Geocoder Geocoder `yaml:"geocoder"`
	// Federation configures the change feed other instances follow.
	Federation Federation `yaml:"federation"`
	// Archive keeps dated snapshots of the published files.
	Archive Archive `yaml:"archive"`
	// Datagouv publishes datasets on data.gouv.fr.
	Datagouv Datagouv `yaml:"datagouv"`
	// Dedup holds the pair scorer's weights and thresholds; any left out
	// keep their defaults (dedup/data/weights.json).
	Dedup dedup.Weights `yaml:"dedup"`
	// Out is the directory where sync and serve write the open-data files.
	Out string `yaml:"out"`
	// Reports is the directory of the operator's report.json: the whole
	// report, with the raw fields of quarantined records (personal data
	// may be among them). It must not be under Out, which is published.
	Reports string `yaml:"reports"`
	// Schedule is a cron expression or "@every <duration>" for serve.
	Schedule string `yaml:"schedule"`
	// SyncOnStart makes serve run a sync before listening.
	SyncOnStart bool     `yaml:"sync_on_start"`
	Sources     []Source `yaml:"sources"`
	AdminToken  string   `yaml:"-"`
	LogLevel    string   `yaml:"log_level"`
}

// Federation configures the change feed (GET /api/v1/changes).
type Federation struct {
	// Retention is how long the feed keeps the tombstones of deleted and
	// retired lieux; a reader whose cursor is older starts again from a
	// snapshot. Default 90 days, at least a day.
	Retention time.Duration `yaml:"retention"`
}

// Archive configures the dated snapshots of the published files
// (out/archive/YYYY-MM-DD/, listed at /exports/archive/).
type Archive struct {
	// Retention is how long a snapshot is kept; 0 keeps none. Default
	// 90 days.
	Retention time.Duration `yaml:"retention"`
}

// Database selects the store: URL empty means embedded SQLite at Path,
// a postgres:// URL the PostgreSQL store, whose statements are bounded by
// StatementTimeout.
type Database struct {
	URL              string        `yaml:"url"`
	Path             string        `yaml:"path"`
	StatementTimeout time.Duration `yaml:"statement_timeout"`
}

// Server configures the HTTP API.
type Server struct {
	Addr              string        `yaml:"addr"`
	ReadHeaderTimeout time.Duration `yaml:"read_header_timeout"`
	ReadTimeout       time.Duration `yaml:"read_timeout"`
	WriteTimeout      time.Duration `yaml:"write_timeout"`
	IdleTimeout       time.Duration `yaml:"idle_timeout"`
	ShutdownTimeout   time.Duration `yaml:"shutdown_timeout"`
	// PublicURL is where clients reach the API (https://lieux.example.fr):
	// the links it writes start with it. Empty: the request's Host.
	PublicURL string `yaml:"public_url"`
	// RateLimit is the requests a client address may make per second on
	// average, RateBurst how many at once; 0 limits nothing.
	RateLimit float64 `yaml:"rate_limit"`
	RateBurst int     `yaml:"rate_burst"`
	// BasemapStyle is the MapLibre style URL of the pages' map (public, no
	// key); "" draws the lieux over a plain background.
	BasemapStyle string `yaml:"basemap_style"`
}

// Harvest configures fetching.
type Harvest struct {
	UserAgent string        `yaml:"user_agent"`
	Timeout   time.Duration `yaml:"timeout"`
	MaxBytes  int64         `yaml:"max_bytes"`
	// MaxUnpackedBytes bounds what a gzip or zip payload may expand to.
	MaxUnpackedBytes int64         `yaml:"max_unpacked_bytes"`
	Retries          int           `yaml:"retries"`
	RetryBackoff     time.Duration `yaml:"retry_backoff"`
	// Jitter delays each scheduled harvest by a random duration below it.
	Jitter time.Duration `yaml:"jitter"`
	// HoldBelow holds a harvest that brings fewer records than this share
	// of the last good one (or quarantines nearly all when the last did
	// not): nothing is applied until `sync --force`.
	HoldBelow float64 `yaml:"hold_below"`
}

// Geocoder configures the Géoplateforme geocoder ("off" disables it) and
// which of its answers are accepted at address level.
type Geocoder struct {
	URL       string        `yaml:"url"`
	MinScore  float64       `yaml:"min_score"`
	BatchSize int           `yaml:"batch_size"`
	Timeout   time.Duration `yaml:"timeout"`
	Retries   int           `yaml:"retries"`
	// RetryFailuresAfter is how long an address the geocoder could not
	// place stays in the cache before it is asked again.
	RetryFailuresAfter time.Duration `yaml:"retry_failures_after"`
}

// Source is one harvested source: where to fetch it, how to map it and
// when to harvest it.
type Source struct {
	harvest.Source `yaml:",inline"`
	Mapping        schema.Mapping `yaml:"mapping"`
	// MappingFile, relative to the configuration's directory, holds the
	// mapping instead: maillage's YAML or a mednum-cli source
	// configuration (JSON), read by Load.
	MappingFile string `yaml:"mapping_file"`
	// Schedule is the source's own schedule ("@every 6h" or cron); empty,
	// the configuration's.
	Schedule string `yaml:"schedule"`
	// Timeout bounds one harvest of the source (default 30 min).
	Timeout time.Duration `yaml:"timeout"`
	// Enabled false keeps the source out of syncs and schedules (still
	// checked; `sync --source NAME` runs it on request). Default true.
	Enabled *bool `yaml:"enabled"`
	// Licence and Attribution describe the data's terms for republication.
	Licence     string `yaml:"licence"`
	Attribution string `yaml:"attribution"`
}

// DefaultBasemapStyle is the Géoplateforme's « PLAN IGN » vector style:
// public, without a key.
const DefaultBasemapStyle = "https://data.geopf.fr/annexes/ressources/vectorTiles/styles/PLAN.IGN/standard.json"

// Defaults returns the configuration used for anything a file leaves out.
func Defaults() Config {
	return Config{
		Database: Database{Path: "data/maillage.db", StatementTimeout: time.Minute},
		Server: Server{Addr: ":8080", ReadHeaderTimeout: 5 * time.Second, ReadTimeout: 30 * time.Second,
			WriteTimeout: 120 * time.Second, IdleTimeout: 120 * time.Second, ShutdownTimeout: 20 * time.Second,
			RateLimit: 20, RateBurst: 100, BasemapStyle: DefaultBasemapStyle},
		Harvest: Harvest{UserAgent: "maillage/0.1 (+https://github.com/maillage/maillage)", Timeout: 60 * time.Second,
			MaxBytes: 100 << 20, MaxUnpackedBytes: 100 << 20, Retries: 2, RetryBackoff: 2 * time.Second, HoldBelow: 0.5},
		Geocoder: Geocoder{URL: "https://data.geopf.fr/geocodage", MinScore: 0.75, BatchSize: 5000, Timeout: 60 * time.Second,
			Retries: 2, RetryFailuresAfter: 7 * 24 * time.Hour},
		Federation: Federation{Retention: 90 * 24 * time.Hour},
		Archive:    Archive{Retention: 90 * 24 * time.Hour},
		Datagouv:   defaultDatagouv(),
		Dedup:      dedup.DefaultWeights(),
		Out:        "out",
		Reports:    "data/reports",
		Schedule:   "@every 6h",
		LogLevel:   "info",
	}
}

// Load reads a configuration file, applies environment overrides from
// getenv (os.Getenv in production) and validates it.
func Load(path string, getenv func(string) string) (*Config, error) {
	raw, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("config: %w", err)
	}
	cfg := Defaults()
	dec := yaml.NewDecoder(strings.NewReader(string(raw)))
	dec.KnownFields(true)
	if err := dec.Decode(&cfg); err != nil {
		return nil, fmt.Errorf("config: %s: %w", path, err)
	}
	abs, err := filepath.Abs(filepath.Dir(path))
	if err != nil {
		return nil, fmt.Errorf("config: %w", err)
	}
	cfg.Dir = abs
	for i := range cfg.Sources {
		if err := cfg.Sources[i].readMappingFile(abs); err != nil {
			return nil, fmt.Errorf("config: %s: sources[%d] (%s): %w", path, i, cfg.Sources[i].Name, err)
		}
	}
	cfg.applyEnv(getenv)
	if err := cfg.Validate(); err != nil {
		return nil, fmt.Errorf("config: %s: %w", path, err)
	}
	return &cfg, nil
}

// applyEnv applies DATABASE_URL and the MAILLAGE_* variables.
func (c *Config) applyEnv(getenv func(string) string) {
	set := func(dst *string, name string) {
		if v := getenv(name); v != "" {
			*dst = v
		}
	}
	set(&c.Database.URL, "DATABASE_URL")
	set(&c.Database.Path, "MAILLAGE_DB")
	set(&c.Geocoder.URL, "MAILLAGE_GEOCODER_URL")
	set(&c.Server.Addr, "MAILLAGE_ADDR")
	set(&c.Server.PublicURL, "MAILLAGE_PUBLIC_URL")
	set(&c.Out, "MAILLAGE_OUT")
	set(&c.Reports, "MAILLAGE_REPORTS")
	set(&c.LogLevel, "MAILLAGE_LOG_LEVEL")
	set(&c.AdminToken, "MAILLAGE_ADMIN_TOKEN")
	set(&c.Datagouv.APIKey, "MAILLAGE_DATAGOUV_API_KEY")
}

// Validate checks the configuration and reports every problem at once.
func (c *Config) Validate() error {
	var errs []error
	if len(c.Sources) == 0 {
		errs = append(errs, errors.New("no sources"))
	}
	seen := map[string]bool{}
	for i, s := range c.Sources {
		errs = append(errs, s.validate(i, seen)...)
	}
	if c.Geocoder.MinScore < 0 || c.Geocoder.MinScore > 1 {
		errs = append(errs, fmt.Errorf("geocoder.min_score: %v (0 to 1)", c.Geocoder.MinScore))
	}
	if d := c.Dedup; d.ReviewAt <= 0 || d.ReviewAt > d.MergeAt || d.MergeAt > 1 {
		errs = append(errs, fmt.Errorf("dedup: review_at %v and merge_at %v (0 < review_at ≤ merge_at ≤ 1)", d.ReviewAt, d.MergeAt))
	}
	if c.Dedup.MaxReviewPerTerritory < 0 {
		errs = append(errs, fmt.Errorf("dedup.max_review_per_territory: %d (0: no cap)", c.Dedup.MaxReviewPerTerritory))
	}
	if c.Dedup.MaxClusterSize < 2 {
		errs = append(errs, fmt.Errorf("dedup.max_cluster_size: %d (at least 2)", c.Dedup.MaxClusterSize))
	}
	if err := harvest.ValidateSpec(c.Schedule); err != nil {
		errs = append(errs, err)
	}
	if c.Federation.Retention < 24*time.Hour {
		errs = append(errs, fmt.Errorf("federation.retention: %s (at least 24h: readers a day behind must not lose deletions)", c.Federation.Retention))
	}
	if c.Archive.Retention < 0 || c.Archive.Retention > 0 && c.Archive.Retention < 24*time.Hour {
		errs = append(errs, fmt.Errorf("archive.retention: %s (0 keeps no snapshot; else at least 24h: a snapshot is a day's)", c.Archive.Retention))
	}
	errs = append(errs, c.Datagouv.validate()...)
	if err := c.CheckOut(c.Out); err != nil {
		errs = append(errs, err)
	}
	if u := c.Server.PublicURL; u != "" {
		if pu, err := url.Parse(u); err != nil || (pu.Scheme != "http" && pu.Scheme != "https") || pu.Host == "" || pu.RawQuery != "" {
			errs = append(errs, fmt.Errorf("server.public_url: %q is not an http(s) URL without a query", u))
		}
	}
	if u := c.Server.BasemapStyle; u != "" {
		if bu, err := url.Parse(u); err != nil || bu.Scheme != "https" && bu.Scheme != "http" || bu.Host == "" {
			errs = append(errs, fmt.Errorf("server.basemap_style: %q is not an http(s) URL (\"\" for a plain background)", u))
		}
	}
	if c.Server.RateLimit < 0 || c.Server.RateLimit > 0 && c.Server.RateBurst < 1 {
		errs = append(errs, fmt.Errorf("server.rate_limit (%g) must be 0 (off) or above, with rate_burst (%d) at least 1", c.Server.RateLimit, c.Server.RateBurst))
	}
	if c.Harvest.MaxBytes <= 0 || c.Harvest.MaxUnpackedBytes <= 0 {
		errs = append(errs, fmt.Errorf("harvest.max_bytes (%d) and max_unpacked_bytes (%d) must be above 0", c.Harvest.MaxBytes, c.Harvest.MaxUnpackedBytes))
	}
	if c.Harvest.HoldBelow < 0 || c.Harvest.HoldBelow >= 1 {
		errs = append(errs, fmt.Errorf("harvest.hold_below: %v (0 to hold nothing, below 1)", c.Harvest.HoldBelow))
	}
	if c.Harvest.Retries < 0 || c.Harvest.Retries > 10 {
		errs = append(errs, fmt.Errorf("harvest.retries: %d (0 to 10)", c.Harvest.Retries))
	}
	if c.Database.URL != "" && !strings.HasPrefix(c.Database.URL, "postgres://") && !strings.HasPrefix(c.Database.URL, "postgresql://") {
		errs = append(errs, fmt.Errorf("database.url: %q is not a postgres:// URL", c.Database.URL))
	}
	switch c.LogLevel {
	case "debug", "info", "warn", "error":
	default:
		errs = append(errs, fmt.Errorf("log_level: %q (debug, info, warn, error)", c.LogLevel))
	}
	return errors.Join(errs...)
}

func (s Source) validate(i int, seen map[string]bool) []error {
	var errs []error
	where := fmt.Sprintf("sources[%d]", i)
	if s.Name == "" {
		errs = append(errs, fmt.Errorf("%s: name is required", where))
	} else {
		where = fmt.Sprintf("sources[%d] (%s)", i, s.Name)
	}
	if seen[s.Name] {
		errs = append(errs, fmt.Errorf("%s: duplicate name", where))
	}
	seen[s.Name] = true
	if err := harvest.ValidateSource(s.Source); err != nil {
		errs = append(errs, fmt.Errorf("%s: %w", where, err))
	}
	if t := s.Peer.Territoire; s.Kind == "peer" && t != "" {
		if _, err := schema.ParseTerritory(t); err != nil {
			errs = append(errs, fmt.Errorf("%s: peer.territoire: %w", where, err))
		}
	}
	if s.Schedule != "" {
		if err := harvest.ValidateSpec(s.Schedule); err != nil {
			errs = append(errs, fmt.Errorf("%s: %w", where, err))
		}
	}
	if s.Timeout < 0 {
		errs = append(errs, fmt.Errorf("%s: timeout %v", where, s.Timeout))
	}
	switch s.Format {
	case "", "csv", "json", "geojson":
	default:
		errs = append(errs, fmt.Errorf("%s: format %q (csv, json, geojson)", where, s.Format))
	}
	return errs
}

// ScheduleOf is a source's schedule: its own, else the configuration's.
func (c *Config) ScheduleOf(s Source) string {
	if s.Schedule != "" {
		return s.Schedule
	}
	return c.Schedule
}

// On reports whether the source is enabled.
func (s Source) On() bool { return s.Enabled == nil || *s.Enabled }

// TimeoutOf bounds one harvest of a source: its own timeout, else 30 min.
func (s Source) TimeoutOf() time.Duration {
	if s.Timeout > 0 {
		return s.Timeout
	}
	return 30 * time.Minute
}

// Source returns the source with a name.
func (c *Config) Source(name string) (Source, bool) {
	for _, s := range c.Sources {
		if s.Name == name {
			return s, true
		}
	}
	return Source{}, false
}

// CheckOut refuses a published directory that would hold the operator's
// reports.
func (c *Config) CheckOut(out string) error {
	if within(c.Reports, out) {
		return fmt.Errorf("reports: %q is under the published directory %q; the operator's report holds raw fields", c.Reports, out)
	}
	return nil
}

// within says whether path is dir or under it.
func within(path, dir string) bool {
	p, err := filepath.Abs(path)
	d, err2 := filepath.Abs(dir)
	if err != nil || err2 != nil || path == "" || dir == "" {
		return false
	}
	rel, err := filepath.Rel(d, p)
	return err == nil && rel != ".." && !strings.HasPrefix(rel, ".."+string(filepath.Separator))
}

// readMappingFile reads the source's mapping_file, if any, into Mapping.
func (s *Source) readMappingFile(dir string) error {
	if s.MappingFile == "" {
		return nil
	}
	if !reflect.DeepEqual(s.Mapping, schema.Mapping{}) {
		return errors.New("mapping and mapping_file both given: keep one")
	}
	path := s.MappingFile
	if !filepath.IsAbs(path) {
		path = filepath.Join(dir, path)
	}
	m, _, err := ReadMapping(path) // what it cannot carry over shows in the harvest's notes as missing columns do
	if err != nil {
		return err
	}
	s.Mapping = m
	return nil
}

// ReadMapping reads a mapping file: maillage's YAML (id, columns,
// constants, join, split, values, choices), or a source configuration of
// the national cartography's pipeline (mednum-cli's JSON), translated;
// notes say what of the latter could not be carried over.
func ReadMapping(path string) (schema.Mapping, []string, error) {
	var m schema.Mapping
	raw, err := os.ReadFile(path)
	if err != nil {
		return m, nil, fmt.Errorf("mapping: %w", err)
	}
	if schema.IsMednumCLI(raw) {
		m, notes, err := schema.ReadMednumCLI(raw)
		if err != nil {
			return m, notes, fmt.Errorf("mapping %s: %w", path, err)
		}
		return m, notes, nil
	}
	dec := yaml.NewDecoder(strings.NewReader(string(raw)))
	dec.KnownFields(true)
	if err := dec.Decode(&m); err != nil {
		return m, nil, fmt.Errorf("mapping %s: %w", path, err)
	}
	return m, nil, nil
}
