"""Helpers for tests that run real processes: free ports, waiting for readiness, stopping."""

import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import requests

ROOT = Path(__file__).resolve().parent.parent  # the checkout under test
BIN = Path(sys.executable).parent  # its virtualenv's commands
FLASK = BIN / "flask"
IN_CI = os.environ.get("CI") == "true"  # where nothing may be skipped for want of a tool


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def wait_until_ready(url: str, process: subprocess.Popen, seconds: float = 20) -> str:
    """Poll `url` until it answers 200 (returning its text); fail if the process exits first."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        assert process.poll() is None, "the process exited early"
        try:
            response = requests.get(url, timeout=1)
            if response.status_code == 200:
                return response.text
        except requests.RequestException:  # not listening yet, or still booting
            pass
        time.sleep(0.2)
    raise AssertionError(f"{url} not ready in {seconds}s")


def stop(process: subprocess.Popen, seconds: float = 15) -> int:
    """SIGTERM the process and return its exit code; one still running after `seconds` is killed
    (so that it cannot outlive the test) and the test fails."""
    if process.poll() is None:
        process.send_signal(signal.SIGTERM)
    try:
        return process.wait(timeout=seconds)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()
        raise AssertionError(f"{process.args} still running {seconds}s after SIGTERM") from None
