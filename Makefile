.PHONY: run test lint format demo worker beat bench typecheck lock lock-upgrade

run:        ## install, migrate, create demo data, serve at http://127.0.0.1:8000
	bin/run

test:       ## install test tools, lint, and run the whole suite
	bin/test

lint:       ## ruff, the lock files against pyproject.toml, import contracts, mypy
	.venv/bin/ruff check . && .venv/bin/ruff format --check .
	.venv/bin/python bin/check-lock
	.venv/bin/lint-imports --no-cache
	.venv/bin/python bin/check-private-imports
	.venv/bin/python bin/check-function-imports
	$(MAKE) typecheck

typecheck:  ## mypy + django-stubs on the modules listed in pyproject.toml [tool.mypy]
	.venv/bin/mypy

lock:       ## requirements*.lock from pyproject.toml (keeps the other pins); then commit them
	bin/lock

lock-upgrade: ## every locked package to the newest version pyproject.toml allows
	bin/lock --upgrade

format:
	.venv/bin/ruff format . && .venv/bin/ruff check --fix .

demo:
	.venv/bin/python manage.py demo

worker:     ## a Celery worker (needs REDIS_URL)
	.venv/bin/celery -A pingback worker -l info

beat:       ## periodic tasks such as the webhook sweeper (needs REDIS_URL)
	.venv/bin/celery -A pingback beat -l info
