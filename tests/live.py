"""A real gunicorn server (sync workers, several processes, as in production) on the test database,
for the tests that need more than one process: concurrency and rate limits."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from tests.conftest import TEST_SECRET
from tests.pgcluster import free_port

ROOT = Path(__file__).resolve().parent.parent
GUNICORN = Path(sys.executable).parent / "gunicorn"


@contextmanager
def gunicorn(database_url: str, tmp_path: Path, workers: int, env: dict[str, str]) -> Iterator[str]:
    """Serve wsgi:app with ``workers`` processes; yields the base URL. ``env`` adds to (or overrides)
    a clean environment: no TISSER_, RATELIMIT_ or DATABASE_URL from the caller's shell."""
    port = free_port()
    environment = {
        **{k: v for k, v in os.environ.items() if not k.startswith(("TISSER_", "RATELIMIT_", "DATABASE_URL"))},
        "DATABASE_URL": database_url,
        "SECRET_KEY": TEST_SECRET,
        "TISSER_INSTANCE_DIR": str(tmp_path),
        **env,
    }
    log = open(tmp_path / "gunicorn.log", "w+b")
    command = [str(GUNICORN), "--workers", str(workers), "--worker-class", "sync", "--preload"]
    command += ["--bind", f"127.0.0.1:{port}", "--timeout", "60", "wsgi:app"]
    proc = subprocess.Popen(command, cwd=ROOT, env=environment, stdout=log, stderr=log)
    try:
        deadline = time.time() + 60
        while True:
            assert proc.poll() is None, (tmp_path / "gunicorn.log").read_text()
            try:
                with socket.create_connection(("127.0.0.1", port), timeout=0.2):
                    break
            except OSError:
                assert time.time() < deadline, "gunicorn did not start"
                time.sleep(0.05)
        yield f"http://127.0.0.1:{port}"
    finally:
        proc.send_signal(signal.SIGTERM)
        try:
            proc.wait(timeout=15)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
        log.seek(0)
        output = log.read().decode(errors="replace")
        log.close()
        # An unhandled exception in a worker is logged even when the client saw a 500 page.
        assert "Traceback" not in output, output
