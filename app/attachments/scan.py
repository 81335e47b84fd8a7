"""The optional virus scan: clamd's INSTREAM command over its Unix socket.

A dozen lines of protocol, written here rather than depending on the ``clamd`` package, whose
last release is from 2014. Without ``CLAMD_SOCKET`` no scan is made (docs/deploiement.md).
"""

from __future__ import annotations

import socket
import struct

_CHUNK = 64 * 1024


class ScanUnavailable(RuntimeError):
    """clamd did not answer: the file is refused rather than accepted unscanned."""


def scan(socket_path: str, data: bytes, timeout: float = 30.0) -> str | None:
    """The virus's name when clamd finds one, else None."""
    try:
        with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as sock:
            sock.settimeout(timeout)
            sock.connect(socket_path)
            # "z" prefix: the command and the reply end with a NUL byte.
            sock.sendall(b"zINSTREAM\0")
            for start in range(0, len(data), _CHUNK):
                chunk = data[start : start + _CHUNK]
                sock.sendall(struct.pack("!L", len(chunk)) + chunk)
            sock.sendall(struct.pack("!L", 0))
            reply = b""
            while not reply.endswith(b"\0"):
                part = sock.recv(4096)
                if not part:
                    break
                reply += part
    except OSError as error:
        raise ScanUnavailable(str(error)) from error
    answer = reply.rstrip(b"\0").decode("utf-8", "replace")
    # "stream: OK", "stream: Eicar-Signature FOUND", or "... ERROR" (e.g. size limit exceeded).
    if answer.endswith(" FOUND"):
        return answer.removeprefix("stream:").removesuffix(" FOUND").strip()
    if answer.endswith("OK"):
        return None
    raise ScanUnavailable(answer or "no answer")
