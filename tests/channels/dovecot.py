"""A real IMAP server for tests: Debian's Dovecot (installed by bin/test), started in the
foreground on a free 127.0.0.1 port with its whole configuration and mail in a temp dir."""

from __future__ import annotations

import imaplib
import os
import pwd
import shutil
import subprocess
import tempfile
import time
from pathlib import Path

from tests.conftest import in_ci
from tests.live import free_port

DOVECOT = "/usr/sbin/dovecot"
CONFIG = """
base_dir = {root}/run
state_dir = {root}/state
log_path = {root}/dovecot.log
protocols = imap
listen = 127.0.0.1
ssl = no
disable_plaintext_auth = no
auth_mechanisms = plain login
mail_location = maildir:{root}/mail/%u
first_valid_uid = {uid}
default_internal_user = {user}
default_login_user = {user}
passdb {{
  driver = passwd-file
  args = scheme=PLAIN username_format=%u {root}/users
}}
userdb {{
  driver = static
  args = uid={uid} gid={gid} home={root}/mail/%u
}}
service imap-login {{
  inet_listener imap {{
    address = 127.0.0.1
    port = {port}
  }}
  inet_listener imaps {{
    port = 0
  }}
}}
service stats {{
  unix_listener stats-reader {{
    mode = 0666
  }}
  unix_listener stats-writer {{
    mode = 0666
  }}
}}
"""


class Dovecot:
    def __init__(self, username: str, password: str):
        self.username, self.password = username, password
        self.root = Path(tempfile.mkdtemp(prefix="pb-dovecot-"))
        self.port = free_port()
        self.process: subprocess.Popen | None = None

    def start(self) -> Dovecot:
        if not os.path.exists(DOVECOT):
            import pytest

            message = "Dovecot is not installed (bin/test installs dovecot-imapd)"
            if in_ci():
                pytest.fail(message)
            pytest.skip(message)
        account = pwd.getpwnam("dovecot")
        for sub in ("run", "state", "mail"):
            (self.root / sub).mkdir()
        (self.root / "users").write_text(f"{self.username}:{{PLAIN}}{self.password}\n")
        config = self.root / "dovecot.conf"
        config.write_text(
            CONFIG.format(
                root=self.root,
                port=self.port,
                uid=account.pw_uid,
                gid=account.pw_gid,
                user="dovecot",
            )
        )
        os.chmod(self.root, 0o755)  # noqa: S103 - the dovecot user reads its config here
        shutil.chown(self.root / "mail", account.pw_uid, account.pw_gid)
        self.process = subprocess.Popen([DOVECOT, "-F", "-c", str(config)])
        deadline = time.monotonic() + 10
        while True:
            try:
                with imaplib.IMAP4("127.0.0.1", self.port, timeout=2) as imap:
                    imap.login(self.username, self.password)
                return self
            except (OSError, imaplib.IMAP4.error):
                if time.monotonic() > deadline or self.process.poll() is not None:
                    log = (
                        (self.root / "dovecot.log").read_text()
                        if (self.root / "dovecot.log").exists()
                        else ""
                    )
                    raise RuntimeError(f"Dovecot did not start: {log[-2000:]}") from None
                time.sleep(0.1)  # a process start: nothing to wait on but the port

    def append(self, raw: bytes, folder: str = "INBOX") -> None:
        with imaplib.IMAP4("127.0.0.1", self.port, timeout=5) as imap:
            imap.login(self.username, self.password)
            imap.append(folder, "", imaplib.Time2Internaldate(time.time()), raw)

    def unseen(self, folder: str = "INBOX") -> int:
        with imaplib.IMAP4("127.0.0.1", self.port, timeout=5) as imap:
            imap.login(self.username, self.password)
            imap.select(folder)
            _, data = imap.search(None, "UNSEEN")
            return len((data[0] or b"").split())

    def stop(self) -> None:
        if self.process is not None:
            self.process.terminate()
            self.process.wait(10)
        shutil.rmtree(self.root, ignore_errors=True)
