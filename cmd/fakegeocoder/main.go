// Command fakegeocoder serves the fake Géoplateforme geocoder of
// geo/geocodertest for offline demos:
//
//	go run ./cmd/fakegeocoder -addr :8765
//	MAILLAGE_GEOCODER_URL=http://localhost:8765 maillage serve --config config.example.yaml
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"net/http"
	"os"
	"os/signal"
	"syscall"
	"time"

	"github.com/maillage/maillage/geo/geocodertest"
)

func main() {
	addr := flag.String("addr", ":8765", "listen address")
	flag.Parse()
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	f := geocodertest.New()
	srv := &http.Server{Addr: *addr, Handler: f, ReadHeaderTimeout: 5 * time.Second}
	go func() {
		<-ctx.Done()
		sctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		srv.Shutdown(sctx)
	}()
	fmt.Fprintf(os.Stderr, "fake geocoder on %s (%d real answers): /search, /search/csv, /reverse\n", *addr, len(f.Entries()))
	if err := srv.ListenAndServe(); !errors.Is(err, http.ErrServerClosed) {
		fmt.Fprintln(os.Stderr, "fakegeocoder:", err)
		os.Exit(1)
	}
}
