# 执监 — the README's two commands: `make demo` and `make test`.
SHELL := /bin/bash
PYTHON ?= python3.12
VENV := .venv
BIN := $(VENV)/bin
VENDOR := src/zhijian/static/vendor
APT_PACKAGES := chromium chromium-driver libreoffice-writer-nogui fonts-noto-cjk poppler-utils
SYSTEM_BINARIES := chromium chromedriver soffice pdftoppm fc-list

.PHONY: setup demo test serve lint typecheck dist clean system-packages assets venv

setup: system-packages venv assets  ## install everything (idempotent)

system-packages:
	@missing=""; for b in $(SYSTEM_BINARIES); do command -v $$b >/dev/null 2>&1 || missing="$$missing $$b"; done; \
	fc-list 2>/dev/null | grep -q "Noto Serif CJK" || missing="$$missing fonts-noto-cjk"; \
	if [ -n "$$missing" ]; then \
	  if [ "$$(id -u)" = "0" ] && command -v apt-get >/dev/null; then \
	    echo "安装系统软件包：$(APT_PACKAGES)"; \
	    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends $(APT_PACKAGES); \
	  else \
	    echo "缺少系统软件：$$missing"; \
	    echo "请以 root 运行：apt-get install --no-install-recommends $(APT_PACKAGES)"; exit 1; \
	  fi; \
	fi

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install -q --upgrade pip

$(VENV)/.installed: $(BIN)/python requirements.txt requirements-dev.txt pyproject.toml
	$(BIN)/pip install -q -r requirements-dev.txt
	$(BIN)/pip install -q -e . --no-deps
	@touch $@

venv: $(VENV)/.installed

$(VENDOR)/.installed: frontend/package.json
	cd frontend && npm install --no-package-lock --no-audit --no-fund --loglevel=error
	rm -rf $(VENDOR) && mkdir -p $(VENDOR)/bootstrap $(VENDOR)/htmx $(VENDOR)/bootstrap-icons
	cp -r frontend/node_modules/bootstrap/dist/css frontend/node_modules/bootstrap/dist/js $(VENDOR)/bootstrap/
	cp -r frontend/node_modules/bootstrap-icons/font $(VENDOR)/bootstrap-icons/
	cp frontend/node_modules/htmx.org/dist/htmx.min.js $(VENDOR)/htmx/
	@touch $@

assets: $(VENDOR)/.installed

demo: setup  ## set up, load demo data, print the demo accounts and serve on http://127.0.0.1:8000
	$(BIN)/zhijian demo
	$(BIN)/zhijian serve

serve: setup
	$(BIN)/zhijian serve

test: setup  ## set up and run the whole test suite on SQLite
	$(BIN)/pytest -n 2 --dist loadgroup $(PYTEST_ARGS)

lint: venv
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

typecheck: venv
	$(BIN)/mypy

dist: setup  ## offline bundle for a court intranet: wheels + collected static files + install script
	rm -rf dist/zhijian-offline && mkdir -p dist/zhijian-offline/wheels
	$(BIN)/pip wheel -q -r requirements.txt -w dist/zhijian-offline/wheels
	$(BIN)/pip wheel -q --no-deps . -w dist/zhijian-offline/wheels
	ZHIJIAN_STATIC_ROOT=$(CURDIR)/dist/zhijian-offline/static $(BIN)/zhijian collectstatic --noinput -v 0
	cp requirements.txt deploy/install-offline.sh dist/zhijian-offline/
	tar -C dist -czf dist/zhijian-offline.tar.gz zhijian-offline
	@echo "离线安装包：dist/zhijian-offline.tar.gz"

clean:
	rm -rf $(VENV) $(VENDOR) frontend/node_modules dist build data/static
