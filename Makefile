.PHONY: run test lint format demo worker beat bench

run:        ## install, migrate, create demo data, serve at http://127.0.0.1:8000
	bin/run

test:       ## install test tools, lint, and run the whole suite
	bin/test

lint:
	.venv/bin/ruff check . && .venv/bin/ruff format --check .

format:
	.venv/bin/ruff format . && .venv/bin/ruff check --fix .

demo:
	.venv/bin/python manage.py demo

worker:     ## a Celery worker (needs REDIS_URL)
	.venv/bin/celery -A pingback worker -l info

beat:       ## periodic tasks such as the webhook sweeper (needs REDIS_URL)
	.venv/bin/celery -A pingback beat -l info
