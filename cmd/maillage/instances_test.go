package main

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"syscall"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/maillage/maillage/internal/pgtest"
)

// beMain makes the test binary act as the maillage command (for tests
// that need real processes: several instances, SIGKILL).
const beMain = "MAILLAGE_TEST_BE_MAIN"

// instance is a maillage process started by a test.
type instance struct {
	cmd  *exec.Cmd
	addr string
	name string // host:pid, as recorded in runs.instance
}

func startInstance(t *testing.T, env []string, args ...string) *instance {
	t.Helper()
	return startInstanceAt(t, freeAddr(t), nil, env, args...)
}

// startInstanceAt starts an instance listening on addr; its output goes
// to out when given (it must then be safe to read while written), and is
// logged when the test fails.
func startInstanceAt(t *testing.T, addr string, out interface {
	io.Writer
	String() string
}, env []string, args ...string) *instance {
	t.Helper()
	cmd := exec.Command(os.Args[0], args...)
	cmd.Env = append(append(os.Environ(), env...), beMain+"=1", "MAILLAGE_ADDR="+addr)
	if out == nil {
		out = &bytes.Buffer{}
	}
	cmd.Stdout, cmd.Stderr = out, out
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	host, _ := os.Hostname()
	in := &instance{cmd: cmd, addr: addr, name: host + ":" + strconv.Itoa(cmd.Process.Pid)}
	t.Cleanup(func() {
		if cmd.ProcessState == nil {
			cmd.Process.Kill()
			cmd.Wait()
		}
		if t.Failed() {
			t.Logf("%s said:\n%s", in.name, out.String())
		}
	})
	return in
}

type runRow struct {
	id       int64
	instance string
	started  time.Time
	sources  int
	finished bool
}

func runs(t *testing.T, url string) []runRow {
	t.Helper()
	ctx := context.Background()
	conn, err := pgx.Connect(ctx, url)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close(ctx)
	rows, err := conn.Query(ctx, `SELECT r.id, r.instance, r.started_at, (SELECT count(*) FROM source_runs s WHERE s.run_id = r.id),
		r.finished_at IS NOT NULL FROM runs r ORDER BY r.id`)
	if err != nil {
		t.Fatal(err)
	}
	var out []runRow
	for rows.Next() {
		var r runRow
		if err := rows.Scan(&r.id, &r.instance, &r.started, &r.sources, &r.finished); err != nil {
			t.Fatal(err)
		}
		out = append(out, r)
	}
	return out
}

// TestTwoInstancesOneLeader is issue 7's acceptance point 3: two serve
// processes on one PostgreSQL, a 2 s schedule: both serve the API; each
// tick's sync runs once, on the leader; killed, the leader hands the work
// to the other within a tick.
func TestTwoInstancesOneLeader(t *testing.T) {
	url := pgtest.Database(t, nil)
	dir := t.TempDir()
	example, _ := filepath.Abs("../../examples/nouvelle-caledonie-20240320.json")
	cfg := filepath.Join(dir, "config.yaml")
	const tick = 2 * time.Second
	os.WriteFile(cfg, []byte(fmt.Sprintf(`schedule: "@every 2s"
sync_on_start: true
log_level: warn
sources:
  - name: nc
    kind: file
    location: %s
`, example)), 0o644)
	env := []string{"DATABASE_URL=" + url, "MAILLAGE_GEOCODER_URL=off"}
	a := startInstance(t, append(env, "MAILLAGE_OUT="+filepath.Join(dir, "a")), "serve", "--config", cfg)
	b := startInstance(t, append(env, "MAILLAGE_OUT="+filepath.Join(dir, "b")), "serve", "--config", cfg)
	for _, in := range []*instance{a, b} {
		waitHealthy(t, in.addr)
	}
	time.Sleep(4 * tick)
	before := runs(t, url)
	leader := checkOneLeader(t, before, tick)
	killed, other := a, b
	if leader == b.name {
		killed, other = b, a
	} else if leader != a.name {
		t.Fatalf("runs by %q, neither %s nor %s", leader, a.name, b.name)
	}
	killed.cmd.Process.Signal(syscall.SIGKILL)
	killed.cmd.Wait()
	killedAt := time.Now()
	// three runs by the other instance, waited for: on a loaded machine a
	// tick may come late, which is not what this test measures
	var after, taken []runRow
	for deadline := killedAt.Add(8 * tick); len(taken) < 3 && time.Now().Before(deadline); {
		time.Sleep(tick / 4)
		after, taken = runs(t, url)[len(before):], nil
		for _, r := range after {
			if r.instance == other.name {
				taken = append(taken, r)
			}
		}
	}
	for _, r := range after {
		if r.instance != other.name && r.started.After(killedAt) {
			t.Errorf("run %d by %s after it was killed", r.id, r.instance)
		}
	}
	if len(taken) < 2 {
		t.Fatalf("after the leader was killed, %d runs by the other instance: %+v", len(taken), after)
	}
	wait := taken[0].started.Sub(killedAt)
	t.Logf("the other instance took over %v after the kill", wait.Round(time.Millisecond))
	if wait > tick+1500*time.Millisecond { // a tick, and the scheduler's and the database's latency
		t.Errorf("the other instance took over %v after the kill, more than a tick (%v)", wait, tick)
	}
	checkOneLeader(t, taken, tick)
	other.cmd.Process.Signal(syscall.SIGTERM)
	if err := other.cmd.Wait(); err != nil {
		t.Errorf("serve on SIGTERM: %v", err)
	}
}

// checkOneLeader: the runs come from one instance, one source run each
// (once finished), a tick apart (never two for one tick); it returns that
// instance.
func checkOneLeader(t *testing.T, rs []runRow, tick time.Duration) string {
	t.Helper()
	if len(rs) < 3 {
		t.Fatalf("%d runs over several ticks: %+v", len(rs), rs)
	}
	for i, r := range rs {
		if r.instance != rs[0].instance {
			t.Errorf("run %d by %s, run %d by %s: two instances ran the schedule", rs[0].id, rs[0].instance, r.id, r.instance)
		}
		if r.finished && r.sources != 1 {
			t.Errorf("run %d ran %d source runs, want 1", r.id, r.sources)
		}
		if i > 0 && r.started.Sub(rs[i-1].started) < tick/2 {
			t.Errorf("runs %d and %d %v apart: one tick ran twice", rs[i-1].id, r.id, r.started.Sub(rs[i-1].started))
		}
	}
	return rs[0].instance
}

func waitHealthy(t *testing.T, addr string) {
	t.Helper()
	deadline := time.Now().Add(30 * time.Second)
	for time.Now().Before(deadline) {
		res, err := http.Get("http://" + addr + "/healthz")
		if err == nil {
			res.Body.Close()
			if res.StatusCode == http.StatusOK {
				return
			}
		}
		time.Sleep(100 * time.Millisecond)
	}
	t.Fatalf("%s never answered /healthz", addr)
}
