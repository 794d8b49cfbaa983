package postgres

import (
	"context"
	"errors"
	"fmt"
	"sync"

	"github.com/jackc/pgx/v5"
)

// ErrNotLeader: another instance holds the leadership.
var ErrNotLeader = errors.New("postgres: another instance is the leader")

// Elector elects one leader among the maillage instances sharing a
// database (it implements gocron's Elector): the leader is the instance
// whose session holds the advisory lock of the key. The lock lives as long
// as that session; when the leader's process dies, PostgreSQL ends the
// session and frees the lock, and the next instance to ask takes it.
type Elector struct {
	store *Store
	key   int64
	mu    sync.Mutex
	conn  *pgx.Conn // the session holding the lock, nil when not leader
}

// Elector returns an elector for the leadership named by key.
func (s *Store) Elector(key int64) *Elector { return &Elector{store: s, key: key} }

// IsLeader returns nil when this instance is (or has just become) the
// leader, ErrNotLeader when another is.
func (e *Elector) IsLeader(ctx context.Context) error {
	e.mu.Lock()
	defer e.mu.Unlock()
	if e.conn != nil {
		if err := e.conn.Ping(ctx); err == nil {
			return nil
		}
		e.conn.Close(context.WithoutCancel(ctx)) // a broken session has lost the lock
		e.conn = nil
	}
	pc, err := e.store.pool.Acquire(ctx)
	if err != nil {
		return fmt.Errorf("postgres: leader election: %w", err)
	}
	conn := pc.Hijack() // the session now outlives the pool's recycling
	var held bool
	if err := conn.QueryRow(ctx, `SELECT pg_try_advisory_lock($1)`, e.key).Scan(&held); err != nil {
		conn.Close(context.WithoutCancel(ctx))
		return fmt.Errorf("postgres: leader election: %w", err)
	}
	if !held {
		conn.Close(context.WithoutCancel(ctx))
		return ErrNotLeader
	}
	e.conn = conn
	return nil
}

// Resign gives the leadership up (at shutdown), so that another instance
// takes it at its next tick.
func (e *Elector) Resign(ctx context.Context) {
	e.mu.Lock()
	defer e.mu.Unlock()
	if e.conn != nil {
		e.conn.Close(ctx) // closing the session frees its advisory locks
		e.conn = nil
	}
}
