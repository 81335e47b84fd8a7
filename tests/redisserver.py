"""A throwaway Redis on a private port, like tests/pgcluster.py: no persistence, stopped by its pid
and its directory removed at the end. Used by the rate-limit tests that run several servers."""

from __future__ import annotations

import os
import shutil
import signal
import socket
import subprocess
import tempfile
import time
from pathlib import Path

from tests.pgcluster import free_port


class RedisNotInstalled(RuntimeError):
    pass


class RedisServer:
    def __init__(self) -> None:
        binary = shutil.which("redis-server")
        if binary is None:
            raise RedisNotInstalled(
                "redis-server est introuvable. Installez-le : `apt-get install -y redis-server` "
                "(fait automatiquement par `make test` quand il tourne en root)."
            )
        self.binary = binary
        self.root = Path(tempfile.mkdtemp(prefix="tisser-redis-"))
        self.port = free_port()
        self.pid: int | None = None

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"

    def start(self) -> RedisServer:
        pidfile = self.root / "redis.pid"
        subprocess.run(
            [
                self.binary,
                "--port",
                str(self.port),
                "--bind",
                "127.0.0.1",
                "--save",
                "",
                "--appendonly",
                "no",
                "--dir",
                str(self.root),
                "--daemonize",
                "yes",
                "--pidfile",
                str(pidfile),
                "--logfile",
                str(self.root / "redis.log"),
            ],
            check=True,
            stdout=subprocess.DEVNULL,
        )
        deadline = time.time() + 10
        while True:
            try:
                with socket.create_connection(("127.0.0.1", self.port), timeout=0.2):
                    break
            except OSError:
                if time.time() > deadline:
                    raise RuntimeError("redis-server did not start: " + (self.root / "redis.log").read_text()) from None
                time.sleep(0.05)
        while not pidfile.exists() and time.time() < deadline:
            time.sleep(0.02)
        self.pid = int(pidfile.read_text().strip())
        return self

    def stop(self) -> None:
        try:
            if self.pid is not None:
                os.kill(self.pid, signal.SIGTERM)
                deadline = time.time() + 10
                while time.time() < deadline:
                    try:
                        os.kill(self.pid, 0)
                    except ProcessLookupError:
                        break
                    time.sleep(0.05)
        finally:
            self.pid = None
            shutil.rmtree(self.root, ignore_errors=True)
