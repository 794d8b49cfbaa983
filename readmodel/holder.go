package readmodel

import (
	"context"
	"log/slog"
	"sync"
	"sync/atomic"
	"time"

	"github.com/maillage/maillage/store"
)

// Holder owns the read model the API serves. Its lifecycle: it starts
// with the empty model; Refresh reads the store into a new model when the
// lieux sequence moved since the current one (after a publication of this
// process, or of another instance sharing the store, which Watch polls
// for) and swaps it in atomically; a failed read keeps the current model.
// It is keyed on the lieux sequence alone: nothing else a model holds
// changes without the sequence moving (store.LieuSequence).
type Holder struct {
	store   store.Store
	log     *slog.Logger
	current atomic.Pointer[Model]
	build   sync.Mutex // one read of the store at a time
	// swapped is closed when a new model is swapped in, then replaced.
	swapped atomic.Pointer[chan struct{}]
}

// NewHolder returns a holder of the empty model over st.
func NewHolder(st store.Store, log *slog.Logger) *Holder {
	h := &Holder{store: st, log: log}
	h.current.Store(Empty())
	first := make(chan struct{})
	h.swapped.Store(&first)
	return h
}

// Swapped returns a channel closed when the next model is swapped in
// (after a publication): a long poll waits on it. Take it before reading
// what it guards, so that a swap in between is not missed.
func (h *Holder) Swapped() <-chan struct{} { return *h.swapped.Load() }

// Current returns the model to serve a request from: the same model for
// the whole request, whatever is swapped in meanwhile.
func (h *Holder) Current() *Model { return h.current.Load() }

// Refresh builds a new model when the store's lieux sequence differs from
// the current model's, and swaps it in.
func (h *Holder) Refresh(ctx context.Context) error {
	h.build.Lock()
	defer h.build.Unlock()
	seq, err := h.store.LieuSequence(ctx)
	if err != nil {
		return err
	}
	if seq == h.current.Load().Seq {
		return nil
	}
	start := time.Now()
	m, err := Build(ctx, h.store)
	if err != nil {
		return err
	}
	h.current.Store(m)
	next := make(chan struct{})
	close(*h.swapped.Swap(&next))
	h.log.Info("read_model_built", "seq", m.Seq, "lieux", m.Len(), "duration_ms", time.Since(start).Milliseconds())
	return nil
}

// Watch refreshes the model every interval until ctx ends, so that
// another instance's publications are served too.
func (h *Holder) Watch(ctx context.Context, every time.Duration) {
	t := time.NewTicker(every)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
			if err := h.Refresh(ctx); err != nil && ctx.Err() == nil {
				h.log.Error("read_model_refresh_failed", "error", err)
			}
		}
	}
}
