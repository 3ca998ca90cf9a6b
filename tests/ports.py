"""Free TCP ports for the servers tests start (the service, PostgreSQL)."""

from __future__ import annotations

import os
import random
import socket


def free_port() -> int:
    """A TCP port on 127.0.0.1 that nothing listens on right now.

    `TP_TEST_PORTS=18200-18299` keeps it in that range (a machine shared by several people
    who each have their own ports); otherwise the system picks one.
    """
    first, _, last = os.environ.get("TP_TEST_PORTS", "").partition("-")
    candidates = list(range(int(first), int(last or first) + 1)) if first else [0]
    random.shuffle(candidates)  # parallel test workers start on different ports
    for candidate in candidates:
        with socket.socket() as sock:
            try:
                sock.bind(("127.0.0.1", candidate))
            except OSError:
                continue
            return int(sock.getsockname()[1])
    raise OSError(f"no free port in TP_TEST_PORTS={os.environ['TP_TEST_PORTS']}")
