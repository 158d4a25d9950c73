# cityhub: `make run` starts the hub on the embedded default; `make test` runs every test.
GO        ?= go
export CGO_ENABLED := 1
BIN       := bin/cityhub
# node_modules of the consoles' sources may hold Go files of npm packages: never ours to build.
PKGS      := $(shell $(GO) list -e ./... 2>/dev/null | grep -v /node_modules/)
BENCHTIME ?= 2s

.PHONY: build run test bench bench-consoles lint fuzz clean migrate-check

# The consoles (web/console) are built with npm and Vite when their sources changed, then embedded.
CONSOLE        := web/console
# (src/*.d.ts are written by the build's own plugins, and by Vitest: not a reason to build again.)
CONSOLE_SRC    := $(filter-out %.d.ts,$(shell find $(CONSOLE)/src -type f 2>/dev/null)) $(addprefix $(CONSOLE)/,index.html screen.html report.html package.json vite.config.ts tsconfig.json)
CONSOLE_OUT    := $(CONSOLE)/dist/app/index.html
CONSOLE_DEPS   := $(CONSOLE)/node_modules/.package-lock.json

build: $(CONSOLE_OUT)
	$(GO) build -o $(BIN) ./cmd/cityhub

$(CONSOLE_DEPS): $(CONSOLE)/package-lock.json
	cd $(CONSOLE) && npm ci --no-audit --no-fund
	touch $@

$(CONSOLE_OUT): $(CONSOLE_SRC) $(CONSOLE_DEPS)
	cd $(CONSOLE) && npm run build

run: build
	./$(BIN) serve --demo

# Every test with the race detector; then the store-dependent packages again on PostgreSQL
# (the storetest suite itself runs on both stores in the first pass, and so do the tests that
# need PostgreSQL or SQLite whatever the run's store, which the second pass leaves out).
STORE_PKGS := ./dispatcher/ ./intake/... ./cmd/cityhub/
STORE_FIXED := TestWalkthrough|TestTwoInstances|TestAuditVerify|TestAuditCheckpoint|TestLimitsAndRepeat|TestReferenceChange|TestDeadlineMarksOnce|TestRedisDown|TestPostgresRestart|TestAcceptedReportSurvivesKill9|TestMigrate|TestWeChatRetriesToTwoInstances|TestWeChatConversationAlternates

# The front end's unit tests (Vitest) and its browser tests (Playwright driving Debian's Chromium
# against a hub started from bin/cityhub) run after the Go tests.
test: build
	$(GO) vet $(PKGS)
	$(GO) test -race -count=1 -timeout 30m $(PKGS)
	CITYHUB_TEST_STORE=postgres $(GO) test -race -count=1 -timeout 30m -skip '$(STORE_FIXED)' $(STORE_PKGS)
	cd $(CONSOLE) && npm test
	cd $(CONSOLE) && npx playwright test --project=e2e

bench: build
	$(GO) test -run '^$$' -bench . -benchmem -benchtime $(BENCHTIME) ./geo/ ./sqlite/ ./postgres/ ./redis/ ./dispatcher/ ./intake/open311/ ./web/stream/
	$(GO) run ./cmd/loadtest
	$(GO) run ./cmd/loadtest -wechat 200
	./scripts/bench-postgres.sh
	$(MAKE) bench-consoles

# The consoles: each one's first load, compressed (from the build's manifest), then in Chromium the
# time from a report's 201 to its row on the team console and the dispatch console at 5,000 open
# cases. Figures are printed for docs/benchmarks.md, never asserted.
bench-consoles: build
	node $(CONSOLE)/scripts/console-size.mjs
	cd $(CONSOLE) && npx playwright test --project=bench

lint:
	@test -z "$$(gofmt -l $$(git ls-files '*.go'))" || { gofmt -l $$(git ls-files '*.go'); echo 'gofmt: files above need formatting'; exit 1; }
	$(GO) vet $(PKGS)

fuzz:
	$(GO) test -run '^$$' -fuzz FuzzLoadJurisdictions -fuzztime 60s ./geo/
	$(GO) test -run '^$$' -fuzz FuzzParseRequestForm -fuzztime 60s ./intake/open311/
	$(GO) test -run '^$$' -fuzz FuzzCanonicalJSONIsEncodingJSON -fuzztime 60s ./dispatcher/
	$(GO) test -run '^$$' -fuzz FuzzDecrypt -fuzztime 60s ./intake/wechat/
	$(GO) test -run '^$$' -fuzz FuzzParseMessage -fuzztime 60s ./intake/wechat/
	$(GO) test -run '^$$' -fuzz FuzzWebhookPOST -fuzztime 60s ./intake/wechat/
	$(GO) test -run '^$$' -fuzz FuzzCallEvent -fuzztime 60s ./intake/hotline/

clean:
	rm -rf bin $(CONSOLE)/dist/app $(CONSOLE)/node_modules

# cityhub migrate from a SQLite district of CASES cases (default 100,000) to PostgreSQL, then audit.
migrate-check:
	./scripts/migrate-check.sh
