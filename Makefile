# cityhub: `make run` starts the hub on the embedded default; `make test` runs every test.
GO        ?= go
export CGO_ENABLED := 1
BIN       := bin/cityhub
PKGS      := ./...
BENCHTIME ?= 2s

.PHONY: build run test bench lint fuzz clean

build:
	$(GO) build -o $(BIN) ./cmd/cityhub

run: build
	./$(BIN) serve --demo

test:
	$(GO) vet $(PKGS)
	$(GO) test -race -count=1 -timeout 20m $(PKGS)

bench: build
	$(GO) test -run '^$$' -bench . -benchmem -benchtime $(BENCHTIME) ./geo/ ./sqlite/ ./dispatcher/ ./intake/open311/
	$(GO) run ./cmd/loadtest

lint:
	@test -z "$$(gofmt -l $$(git ls-files '*.go'))" || { gofmt -l $$(git ls-files '*.go'); echo 'gofmt: files above need formatting'; exit 1; }
	$(GO) vet $(PKGS)

fuzz:
	$(GO) test -run '^$$' -fuzz FuzzLoadJurisdictions -fuzztime 60s ./geo/
	$(GO) test -run '^$$' -fuzz FuzzParseRequestForm -fuzztime 60s ./intake/open311/

clean:
	rm -rf bin
