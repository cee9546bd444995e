"""On PostgreSQL a big catch-up (here a rebuild of the demo's week) refreshes the planner's
statistics of the rollup tables, so reports read their slice index, not every row of a day."""

import os
import subprocess
import sys

from tests.live import ROOT
from tests.services import fresh_postgres_database

CHECK = """
from django.db import connection
from reports import rollup
rollup.ANALYZE_AFTER = 1
folded = rollup.rebuild()
with connection.cursor() as c:
    c.execute(
        "SELECT relname FROM pg_stat_user_tables WHERE last_analyze IS NOT NULL"
        " AND relname LIKE 'reports_%' ORDER BY relname"
    )
    print(folded, *[r[0] for r in c.fetchall()])
"""


def manage(url: str, *args: str) -> str:
    env = {**os.environ, "DATABASE_URL": url, "EMAIL_URL": "locmem://"}
    for name in ("PYTEST_XDIST_WORKER", "REDIS_URL", "CELERY_BROKER_URL"):
        env.pop(name, None)
    done = subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
        check=True,
    )
    return done.stdout


def test_a_big_catch_up_analyzes_the_rollup_tables():
    with fresh_postgres_database() as url:
        manage(url, "demo", "--json", "--password", "test-password-1")
        folded, *tables = manage(url, "shell", "-c", CHECK).strip().splitlines()[-1].split()
    assert int(folded) > 100
    assert tables == ["reports_dailystats", "reports_hourlyopened", "reports_timingbucket"]
