"""bin/run reports a busy port at once, before installing anything."""

import socket
import subprocess
import time

from tests.live import ROOT


def test_busy_port_is_reported_before_installing():
    with socket.socket() as busy:
        busy.bind(("127.0.0.1", 0))
        busy.listen()
        port = busy.getsockname()[1]
        started = time.monotonic()
        result = subprocess.run(
            [str(ROOT / "bin" / "run")],
            env={"PATH": "/usr/bin:/bin", "PORT": str(port), "HOST": "127.0.0.1"},
            capture_output=True,
            text=True,
            timeout=30,
        )
    assert result.returncode == 2
    assert f"cannot listen on 127.0.0.1:{port}" in result.stderr
    assert "PORT=8001 bin/run" in result.stderr
    assert "Installing" not in result.stdout + result.stderr
    assert time.monotonic() - started < 5
