"""Serving behind nginx: nginx on the public address, the app on a Unix socket behind it.

nginx sends the documents made at build and the 303s itself (``server.front.nginx``), so the
requests crawlers make most never reach Python; the app (Granian, ``server.serving``) answers
everything else. Both run as children of this command and stop with it: when either exits,
the other is stopped too.
"""

from __future__ import annotations

import contextlib
import http.client
import os
import pwd
import shutil
import signal
import socket
import subprocess
import tempfile
import threading
import time
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
# nginx is started once the app answers this.
READY_PATH = "/health/ready"
READY_POLL_SECONDS = 0.1


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
        app_socket = runtime / SOCKET
        text = nginx.config(
            routes,
            # An IPv6 address is written in brackets (nginx's listen, like a URL's authority).
            listen=f"[{host}]:{port}" if ":" in host else f"{host}:{port}",
            socket=app_socket,
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
        front = _Front(base, app_socket)
        threading.Thread(target=front.start_when_ready, daemon=True).start()
        try:
            # The app trusts the one proxy in front of it (the X-Forwarded-* nginx sets).
            serving.run({**config, "PROXIES": 1}, host, port, uds=app_socket)
        finally:
            front.stop()
        if front.died.is_set():
            # A failure for whoever supervises the service (systemd's Restart=on-failure).
            raise FrontError(f"nginx exited (status {front.returncode}): the service stopped")
    finally:
        shutil.rmtree(runtime, ignore_errors=True)


class _Front:
    """nginx, started once the app answers behind it, and stopped with it.

    Started earlier, nginx would accept requests the app cannot take yet and answer them 502:
    until the app is ready, clients find the port closed, as with the app alone.
    """

    def __init__(self, command: list[str], app_socket: Path) -> None:
        self.command, self.socket = command, app_socket
        self.died = threading.Event()
        self.returncode: int | None = None
        self._process: subprocess.Popen[bytes] | None = None
        self._stopping = False
        self._lock = threading.Lock()

    def start_when_ready(self) -> None:
        """Wait for the app's readiness, start nginx, and stop this command if nginx exits
        on its own (the app with it)."""
        while not _ready(self.socket):
            with self._lock:
                if self._stopping:
                    return
            time.sleep(READY_POLL_SECONDS)
        with self._lock:
            if self._stopping:
                return
            # In a process group of its own, so that its workers can be found and stopped
            # even if its master is killed first (they outlive it, still listening).
            self._process = subprocess.Popen(self.command, start_new_session=True)
        self.returncode = self._process.wait()
        with self._lock:
            if self._stopping:
                return
        self.died.set()
        os.kill(os.getpid(), signal.SIGTERM)

    def stop(self) -> None:
        """Stop nginx (gracefully: requests in flight finish), and whatever is left of it."""
        with self._lock:
            self._stopping = True
            process = self._process
        if process is None:
            return
        if process.poll() is None:
            process.send_signal(signal.SIGQUIT)
            with contextlib.suppress(subprocess.TimeoutExpired):
                process.wait(STOP_SECONDS)
        # Workers of a master that was killed, or one slow to go.
        with contextlib.suppress(ProcessLookupError):
            os.killpg(process.pid, signal.SIGKILL)
        self.returncode = process.returncode


class _UnixConnection(http.client.HTTPConnection):
    """HTTP to the app on its Unix socket."""

    def __init__(self, path: Path) -> None:
        super().__init__("localhost", timeout=READY_POLL_SECONDS * 10)
        self.path = path

    def connect(self) -> None:
        self.sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        self.sock.settimeout(self.timeout)
        self.sock.connect(str(self.path))


def _ready(path: Path) -> bool:
    """Whether the app answers its readiness check on ``path`` (``/health/ready``: 200)."""
    connection = _UnixConnection(path)
    try:
        connection.request("GET", READY_PATH)
        return connection.getresponse().status == 200
    except OSError:
        return False
    finally:
        connection.close()
