// Package pgtest gives tests a real PostgreSQL with PostGIS: the server
// named by DATABASE_URL, or a throwaway cluster it starts from the
// machine's PostgreSQL server binaries (initdb and pg_ctl run as the
// postgres user when the tests run as root; the server listens on a
// private socket directory only). PostGIS is installed from Debian's
// postgresql-N-postgis-3 when it is missing and the tests run as root.
//
// With CI=true a PostgreSQL test that cannot get a server fails; elsewhere
// it skips, saying how to enable it.
package pgtest

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"net/url"
	"os"
	"os/exec"
	"os/user"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"time"

	"github.com/maillage/maillage/internal/debinstall"
)

// Server is a PostgreSQL server tests may create databases in.
type Server struct {
	// URL is the administrator's connection URL (database postgres).
	URL string

	dir     string // the throwaway cluster's directory, "" for DATABASE_URL
	bin     string
	asUser  *user.User
	stopped bool
	mu      sync.Mutex
}

// Start returns the server of DATABASE_URL, or starts a throwaway one.
func Start(ctx context.Context) (*Server, error) {
	if u := os.Getenv("DATABASE_URL"); u != "" {
		return &Server{URL: u}, nil
	}
	bin, err := serverBinaries()
	if err != nil {
		return nil, err
	}
	if err := ensurePostGIS(ctx, bin); err != nil {
		return nil, err
	}
	s := &Server{bin: bin}
	if err := s.initCluster(ctx); err != nil {
		s.Stop()
		return nil, err
	}
	return s, nil
}

// Skip explains, in the message of a skipped test, how to run it.
const Skip = "no PostgreSQL: install the PostgreSQL server (and postgresql-N-postgis-3), or set DATABASE_URL to a server with PostGIS; with CI=true this is a failure"

// Required reports whether PostgreSQL tests must run (CI=true).
func Required() bool { return os.Getenv("CI") == "true" }

// serverBinaries finds the newest /usr/lib/postgresql/N/bin with initdb.
func serverBinaries() (string, error) {
	if p, err := exec.LookPath("initdb"); err == nil {
		if real, err := filepath.EvalSymlinks(p); err == nil {
			return filepath.Dir(real), nil
		}
	}
	dirs, _ := filepath.Glob("/usr/lib/postgresql/*/bin/initdb")
	sort.Slice(dirs, func(i, j int) bool { return version(dirs[i]) > version(dirs[j]) })
	if len(dirs) == 0 {
		return "", errors.New("pgtest: no PostgreSQL server binaries (initdb) on this machine")
	}
	return filepath.Dir(dirs[0]), nil
}

func version(initdb string) int {
	n, _ := strconv.Atoi(filepath.Base(filepath.Dir(filepath.Dir(initdb))))
	return n
}

// ensurePostGIS installs Debian's PostGIS package for the server's major
// version when its extension is missing and we are root.
func ensurePostGIS(ctx context.Context, bin string) error {
	major, err := majorVersion(ctx, bin)
	if err != nil {
		return err
	}
	control := filepath.Join("/usr/share/postgresql", major, "extension", "postgis.control")
	present := func() bool { _, err := os.Stat(control); return err == nil }
	if err := debinstall.Ensure(ctx, present, "postgresql-"+major+"-postgis-3"); err != nil {
		return fmt.Errorf("pgtest: PostGIS (%s): %w", control, err)
	}
	return nil
}

// majorVersion reads the server's major version from initdb --version
// (« initdb (PostgreSQL) 15.18 »).
func majorVersion(ctx context.Context, bin string) (string, error) {
	out, err := exec.CommandContext(ctx, filepath.Join(bin, "initdb"), "--version").Output()
	if err != nil {
		return "", fmt.Errorf("pgtest: initdb --version: %w", err)
	}
	fields := strings.Fields(string(out))
	if len(fields) == 0 {
		return "", fmt.Errorf("pgtest: initdb --version: %q", out)
	}
	major, _, _ := strings.Cut(fields[len(fields)-1], ".")
	return major, nil
}

// initCluster creates and starts a cluster in a private temporary
// directory, its socket inside it and no TCP listener.
func (s *Server) initCluster(ctx context.Context) error {
	dir, err := os.MkdirTemp("", "pgtest-")
	if err != nil {
		return fmt.Errorf("pgtest: %w", err)
	}
	s.dir = dir
	if os.Geteuid() == 0 {
		if s.asUser, err = user.Lookup("postgres"); err != nil {
			return fmt.Errorf("pgtest: running as root needs the postgres user: %w", err)
		}
		if err := chown(dir, s.asUser); err != nil {
			return err
		}
	}
	data := filepath.Join(dir, "data")
	if err := s.pg(ctx, "initdb", "-D", data, "-U", "postgres", "--auth=trust", "--encoding=UTF8", "--locale=C.UTF-8", "--no-sync"); err != nil {
		return err
	}
	opts := "-k " + dir + " -c listen_addresses='' -c fsync=off -c synchronous_commit=off -c full_page_writes=off -c max_connections=200"
	if err := s.pg(ctx, "pg_ctl", "-D", data, "-l", filepath.Join(dir, "log"), "-o", opts, "-w", "-t", "60", "start"); err != nil {
		log, _ := os.ReadFile(filepath.Join(dir, "log"))
		return fmt.Errorf("%w\n%s", err, log)
	}
	s.URL = "postgres:///postgres?" + url.Values{"host": {dir}, "user": {"postgres"}, "sslmode": {"disable"}}.Encode()
	return nil
}

// Stop stops a throwaway cluster and removes its files; it is a no-op
// for DATABASE_URL's server.
func (s *Server) Stop() {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.dir == "" || s.stopped {
		return
	}
	s.stopped = true
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	if _, err := os.Stat(filepath.Join(s.dir, "data", "postmaster.pid")); err == nil {
		_ = s.pg(ctx, "pg_ctl", "-D", filepath.Join(s.dir, "data"), "-m", "immediate", "-w", "stop")
	}
	os.RemoveAll(s.dir)
}

// pg runs a server binary, as the postgres user when we are root.
func (s *Server) pg(ctx context.Context, name string, args ...string) error {
	return run(ctx, s.asUser, filepath.Join(s.bin, name), args...)
}

func run(ctx context.Context, as *user.User, name string, args ...string) error {
	cmd := exec.CommandContext(ctx, name, args...)
	var out bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &out
	cmd.Env = append(os.Environ(), "LC_ALL=C.UTF-8", "DEBIAN_FRONTEND=noninteractive")
	if as != nil {
		uid, _ := strconv.Atoi(as.Uid)
		gid, _ := strconv.Atoi(as.Gid)
		cmd.SysProcAttr = &syscall.SysProcAttr{Credential: &syscall.Credential{Uid: uint32(uid), Gid: uint32(gid)}}
		cmd.Dir = "/"
	}
	if err := cmd.Run(); err != nil {
		return fmt.Errorf("pgtest: %s %s: %w\n%s", filepath.Base(name), strings.Join(args, " "), err, out.String())
	}
	return nil
}

func chown(path string, u *user.User) error {
	uid, _ := strconv.Atoi(u.Uid)
	gid, _ := strconv.Atoi(u.Gid)
	if err := os.Chown(path, uid, gid); err != nil {
		return fmt.Errorf("pgtest: %w", err)
	}
	return nil
}

// DatabaseURL returns the URL of database name on the server.
func (s *Server) DatabaseURL(name string) string {
	u, err := url.Parse(s.URL)
	if err != nil {
		return s.URL
	}
	u.Path = "/" + name
	return u.String()
}
