# maillage — build, run, test.
GO      ?= go
CONFIG  ?= config.example.yaml
BIN     := bin/maillage
# The race detector needs cgo and a C compiler; use it whenever they exist.
RACE    := $(shell [ "$$($(GO) env CGO_ENABLED)" = 1 ] && command -v "$$($(GO) env CC)" >/dev/null 2>&1 && echo -race)

.PHONY: run build sync test vet fmt-check bench bench-scale quality eval-dedup maplibre clean

## run: build, harvest the bundled examples, write out/, serve http://localhost:8080
run: build
	./$(BIN) serve --config $(CONFIG)

build:
	$(GO) build -o $(BIN) ./cmd/maillage

## sync: one harvest of the bundled examples into out/
sync: build
	./$(BIN) sync --config $(CONFIG) --out out

## test: formatting, vet, then every test (with -race when cgo is available)
test: fmt-check vet
	$(GO) test $(RACE) -count=1 -timeout 30m ./...

vet:
	$(GO) vet ./...

fmt-check:
	@out=$$(gofmt -l $$(git ls-files '*.go' 2>/dev/null || find . -name '*.go')); \
	if [ -n "$$out" ]; then echo "gofmt needed on:"; echo "$$out"; exit 1; fi

## bench: benchmarks (results are recorded in docs/PERFORMANCE.md)
bench:
	$(GO) test -run '^$$' -bench . -benchmem -count=5 ./...

## bench-scale: maillage sync as a process (wall, CPU, peak RSS, each stage), then re-syncs in new processes; SCALE=1|3|10 syncs a scale corpus made from ../shared/reference (kept in data/scale-SCALE, the SHA-256 of the five exports checked against data/scale-SCALE.sha256), else CONFIG's sources
SCALE ?=
bench-scale:
	$(GO) run ./tools/benchscale $(if $(SCALE),-ref ../shared/reference -scale $(SCALE) -corpus data/scale-$(SCALE) -expect data/scale-$(SCALE).sha256,-config $(CONFIG))

## quality: convert every file of ../shared/reference with no mapping, and measure recognition with the headers replaced (col1…colN) and perturbed → docs/QUALITY.md
quality:
	$(GO) run ./tools/quality -ref ../shared/reference -o docs/QUALITY.md

## eval-dedup: pairwise precision/recall of the whole pipeline (at merge_at ± 0.05) and of the national baseline on both labelled sets → docs/QUALITY.md
eval-dedup:
	$(GO) run ./tools/evaldedup -ref ../shared/reference -gold ../shared/eval/dedup/dev-84.gold.csv,../shared/eval/dedup/dev-04-05.gold.csv -o docs/QUALITY.md

## maplibre: refresh the MapLibre GL JS files the pages serve (web/static/maplibre) from npm, at web/package.json's version
maplibre:
	cd web && npm ci --no-audit --no-fund && cp node_modules/maplibre-gl/dist/maplibre-gl-csp.js node_modules/maplibre-gl/dist/maplibre-gl-csp-worker.js \
		node_modules/maplibre-gl/dist/maplibre-gl.css node_modules/maplibre-gl/dist/LICENSE.txt static/maplibre/ && rm -rf node_modules

clean:
	rm -rf bin out data
