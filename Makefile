# GeoTwin – two commands: `make demo` and `make test`. Both install what they need first.
SHELL := /bin/bash
RUN := scripts/env.sh
PY := .venv/bin/python
DEMO_BUILDINGS ?= 400
DEMO_OUT ?= demo-output

.PHONY: setup demo test test-qgis-next lint bench conformance package translations clean mutation

setup:
	@scripts/bootstrap.sh

demo: setup
	@$(RUN) scripts/demo.sh "$(DEMO_OUT)" "$(DEMO_BUILDINGS)"

test: setup
	@dsn="$${GEOTWIN_PG_DSN:-$$(scripts/postgis.sh)}" && GEOTWIN_PG_DSN="$$dsn" $(RUN) $(PY) -m pytest $(PYTEST_ARGS)

# the plugin's QGIS >= 3.26/3.34 paths (3D tiles layer, DGM as project terrain) in QGIS 3.40 of a Debian 13 chroot
# built into .tools/trixie (root, network to deb.debian.org): scripts/qgis-trixie.sh, scripts/qgis-next-test.sh
test-qgis-next: setup
	@scripts/qgis-next-test.sh $(PYTEST_ARGS)

# ruff on the repository, mypy --strict on the core and on processing/plugin (qgis as Any; pyproject.toml); also run by tests/test_lint.py in `make test`
lint: setup
	@$(PY) -m ruff check . && MYPYPATH=.build/plugins $(PY) -m mypy -p geotwin.twin -p geotwin.bim && MYPYPATH=.build/plugins $(PY) -m mypy -p geotwin.processing -p geotwin.plugin -m geotwin

bench: setup
	@$(RUN) $(PY) bench/run.py $(BENCH_ARGS)

# import -> twin -> 3D Tiles over shared/data and the fetched corpus (conformance/corpus.json); table in conformance/results/
conformance: setup
	@$(RUN) $(PY) scripts/fetch_corpus.py && $(RUN) $(PY) scripts/conformance.py $(CONFORMANCE_ARGS)

# mutation testing of core modules (not in CI): make mutation MODULES="twin/kernel/crs.py bim/georef.py"
mutation: setup
	@$(RUN) $(PY) scripts/mutation.py $(MODULES) $(MUTATION_ARGS)

translations: setup
	@$(RUN) scripts/translations.sh

package: setup
	@$(RUN) $(PY) scripts/package.py geotwin.zip

clean:
	rm -rf .build geotwin.zip $(DEMO_OUT)
