"""bin/check-lock: `make lint` fails while the lock files don't match pyproject.toml."""

from __future__ import annotations

import shutil
import subprocess
import sys

import pytest

from tests.live import ROOT


def check_lock(project) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, str(ROOT / "bin" / "check-lock"), str(project)],
        capture_output=True,
        text=True,
        timeout=60,
    )


@pytest.fixture
def project(tmp_path):
    for name in ("pyproject.toml", "requirements.lock", "requirements-dev.lock"):
        shutil.copy(ROOT / name, tmp_path / name)
    return tmp_path


def edit(path, old: str, new: str) -> None:
    text = path.read_text()
    assert old in text
    path.write_text(text.replace(old, new, 1))


def test_the_committed_lock_files_match_pyproject():
    result = check_lock(ROOT)
    assert result.returncode == 0, result.stderr


def test_a_dependency_added_without_make_lock_is_reported(project):
    edit(project / "pyproject.toml", "dependencies = [\n", 'dependencies = [\n    "left-pad>=1",\n')
    result = check_lock(project)
    assert result.returncode == 1
    assert "requirements.lock: left-pad (left-pad>=1) is not locked" in result.stderr
    assert "requirements-dev.lock: left-pad" in result.stderr
    assert "make lock" in result.stderr


def test_a_range_the_pin_no_longer_satisfies_is_reported(project):
    edit(project / "pyproject.toml", '"Django>=5.2,<5.3"', '"Django>=6"')
    result = check_lock(project)
    assert result.returncode == 1
    assert "requirements.lock: Django==5.2" in result.stderr
    assert "does not satisfy Django>=6" in result.stderr


def test_a_dropped_dependency_and_a_missing_hash_are_reported(project):
    edit(project / "pyproject.toml", '    "whitenoise>=6.6,<7",\n', "")
    lock = project / "requirements.lock"
    lines = lock.read_text().splitlines()
    start = next(i for i, line in enumerate(lines) if line.startswith("redis=="))
    lines[start] = lines[start].removesuffix(" \\")
    while lines[start + 1].strip().startswith("--hash"):
        del lines[start + 1]
    lock.write_text("\n".join(lines) + "\n")
    result = check_lock(project)
    assert result.returncode == 1
    assert "whitenoise is no longer a dependency in pyproject.toml" in result.stderr
    assert "requirements.lock: redis has no hash" in result.stderr
