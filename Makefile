# desktoprec: `make run` starts the app (the offline demo without a client ID), `make test` runs
# the whole suite. Both create .venv in the repository and install what is missing, Debian
# packages included.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed-$(shell cat pyproject.toml | sha1sum | cut -c1-12)

.PHONY: run test system-deps system-deps-test lint bench package clean

$(STAMP): pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[test]'
	rm -f $(VENV)/.installed-* && touch $@

system-deps:
	sh scripts/install-system-deps.sh run

system-deps-test:
	sh scripts/install-system-deps.sh test

run: system-deps $(STAMP)
	$(BIN)/desktoprec launch

test: system-deps-test $(STAMP)
	sh scripts/run-tests.sh

lint: $(STAMP)
	$(BIN)/ruff check src tests

bench: $(STAMP)
	$(BIN)/desktoprec bench sync
	$(BIN)/desktoprec bench analysis
	$(BIN)/desktoprec bench recommend

# the Linux bundle (no host libraries, <= 250 MiB), its self-test and demo run under env -i, the
# AppStream check, the .deb with lintian, the .tar.gz (packaging/README.md)
package: $(STAMP)
	sh scripts/install-system-deps.sh package
	sh packaging/linux/build.sh

clean:
	rm -rf build dist .pytest_cache
