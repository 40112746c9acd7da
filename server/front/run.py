"""Serving behind nginx: nginx on the public address, the app on a Unix socket behind it.

nginx sends the documents made at build and the 303s itself (``server.front.nginx``), so the
requests crawlers make most never reach Python; the app (Granian, ``server.serving``) answers
everything else. Both run as children of this command and stop with it: when either exits,
the other is stopped too.
"""

from __future__ import annotations

import contextlib
import os
import pwd
import shutil
import signal
import subprocess
import tempfile
import threading
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from werkzeug.routing import Map

from server import serving
from server.front import nginx
from server.version import layout

SOCKET = "app.sock"
CONFIG = "nginx.conf"
# How long nginx may take to stop once asked (it finishes the requests it is sending).
STOP_SECONDS = 10


class FrontError(Exception):
    """nginx cannot be started: missing, or refusing the configuration (the message says)."""


def nginx_command() -> str:
    """The nginx executable, or FrontError saying how to install it."""
    found = shutil.which("nginx") or next(
        (p for p in ("/usr/sbin/nginx", "/usr/local/sbin/nginx") if os.access(p, os.X_OK)), None
    )
    if found is None:
        raise FrontError(
            "nginx is not installed: install Debian's nginx-light (apt-get install "
            "nginx-light), or serve without --front"
        )
    return found


def run(config: Mapping[str, Any], routes: Map, host: str, port: int) -> None:
    """Serve on ``host``:``port`` behind nginx until stopped (SIGINT / SIGTERM)."""
    command = nginx_command()
    store = Path(str(config["STORE"])).resolve()
    runtime = Path(tempfile.mkdtemp(prefix="ftkg-front-"))
    try:
        socket = runtime / SOCKET
        text = nginx.config(
            routes,
            # An IPv6 address is written in brackets (nginx's listen, like a URL's authority).
            listen=f"[{host}]:{port}" if ":" in host else f"{host}:{port}",
            socket=socket,
            # Through the live symlink, which nginx resolves on each request: a new version
            # is sent as soon as it is published.
            files=store / layout.LIVE / layout.FILES_DIR,
            runtime=runtime,
            workers=max(1, int(config["WORKERS"])),
            read_timeout=int(float(config["QUERY_TIMEOUT"])) + 30,
            access_log="/dev/stderr" if config["ACCESS_LOG"] else None,
            # Started by root, nginx's workers would otherwise run as nobody, who may not read
            # the store: they run as the user who runs this command.
            user=pwd.getpwuid(os.geteuid()).pw_name if os.geteuid() == 0 else None,
        )
        (runtime / CONFIG).write_text(text, encoding="utf-8")
        base = [command, "-p", str(runtime), "-c", str(runtime / CONFIG), "-e", "stderr"]
        checked = subprocess.run([*base, "-t", "-q"], capture_output=True, text=True, check=False)
        if checked.returncode != 0:
            raise FrontError(f"nginx refused its configuration: {checked.stderr.strip()}")
        stopping, died = threading.Event(), threading.Event()
        # In a process group of its own, so that its workers can be found and stopped even
        # if its master is killed first (they outlive it, still listening).
        with subprocess.Popen(base, start_new_session=True) as front:
            threading.Thread(
                target=_stop_when_gone, args=(front, stopping, died), daemon=True
            ).start()
            try:
                # The app trusts the one proxy in front of it (the X-Forwarded-* nginx sets).
                serving.run({**config, "PROXIES": 1}, host, port, uds=socket)
            finally:
                stopping.set()
                if front.poll() is None:
                    front.send_signal(signal.SIGQUIT)  # graceful: requests in flight finish
                    with contextlib.suppress(subprocess.TimeoutExpired):
                        front.wait(STOP_SECONDS)
                # Whatever is left of it (workers of a master that was killed, or slow to go).
                with contextlib.suppress(ProcessLookupError):
                    os.killpg(front.pid, signal.SIGKILL)
        if died.is_set():
            # A failure for whoever supervises the service (systemd's Restart=on-failure).
            raise FrontError(f"nginx exited (status {front.returncode}): the service stopped")
    finally:
        shutil.rmtree(runtime, ignore_errors=True)


def _stop_when_gone(
    front: subprocess.Popen[bytes], stopping: threading.Event, died: threading.Event
) -> None:
    """Stop this command (and so the app) when nginx exits on its own."""
    front.wait()
    if not stopping.is_set():
        died.set()
        os.kill(os.getpid(), signal.SIGTERM)
