"""The real gunicorn with deploy/gunicorn.conf.py serves the seeded registry over HTTP."""

import os
import signal
import stat
import subprocess
from pathlib import Path

import requests

from tests.processes import BIN, ROOT, free_port, wait_until_ready
from tests.servers import Gunicorn, seed


def test_gunicorn_serves_seeded_registry_and_stops_on_sigterm(app, database_url, tmp_path):
    port = free_port()
    env = {**os.environ, "DATABASE_URL": database_url, "PORT": str(port), "WEB_CONCURRENCY": "2"}
    subprocess.run([BIN / "flask", "--app", "service", "seed"], cwd=ROOT, env=env, check=True,
                   capture_output=True)
    log_path = tmp_path / "gunicorn.log"
    with log_path.open("w") as log:
        server = subprocess.Popen(
            [BIN / "gunicorn", "-c", "deploy/gunicorn.conf.py", "service:create_app()"],
            cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT,
        )
    try:
        base = f"http://127.0.0.1:{port}"
        wait_until_ready(f"{base}/readyz", server)
        notices = requests.get(f"{base}/api/v1/notices", timeout=5).json()
        [notice] = notices["items"]
        assert (notice["status"], notice["roster_size"]) == ("closed", 22)
        assert notice["window"]["working_days"] == 8
        check = requests.get(f"{base}/api/v1/names", params={"q": "张心怡"}, timeout=5).json()
        assert check["matches"][0]["name"] == "张心怡"
    finally:
        server.send_signal(signal.SIGTERM)
        exit_code = server.wait(timeout=30)
    assert exit_code == 0
    output = log_path.read_text()
    assert '"path": "/api/v1/names"' in output
    assert "张心怡" not in output and "%E5%BC%A0" not in output  # the query never reaches the log


def test_gunicorns_side_by_side_share_no_control_socket(tmp_path):
    """gunicorn's default control socket, $HOME/.gunicorn/gunicorn.ctl, is one per user: a
    second instance took it over and the first one's exit deleted it. Now there is none unless
    GUNICORN_CONTROL_SOCKET names one, and a named one belongs to its instance alone."""
    home = tmp_path / "home"
    home.mkdir()
    database_url = f"sqlite:///{tmp_path / 'registry.db'}"
    seed(database_url)
    own_socket = tmp_path / "first.ctl"
    first = Gunicorn(tmp_path / "first", database_url, HOME=str(home),
                     GUNICORN_CONTROL_SOCKET=str(own_socket))
    second = Gunicorn(tmp_path / "second", database_url, HOME=str(home))
    try:
        first.wait_until_ready()
        second.wait_until_ready()
        assert stat.S_ISSOCK(own_socket.stat().st_mode)
        assert not (home / ".gunicorn").exists()
        assert second.stop() == 0
        assert stat.S_ISSOCK(own_socket.stat().st_mode)  # the other's exit left it alone
        assert requests.get(f"{first.base}/healthz", timeout=5).status_code == 200
    finally:
        first.stop()
        second.stop()
    assert not own_socket.exists()  # its own instance removed it on exit
    assert "Control socket listening" not in second.log()
    assert not list(home.iterdir())


def _private_mb(pid: int) -> float:
    """What only this process holds (USS): its private pages, shared ones left out."""
    fields = dict(line.split(":", 1) for line in
                  Path(f"/proc/{pid}/smaps_rollup").read_text().splitlines()[1:])
    return sum(int(fields[name].split()[0]) for name in ("Private_Clean", "Private_Dirty")) / 1024


def test_workers_share_the_masters_dictionaries(tmp_path):
    """The master imports the app's modules (pypinyin's and OpenCC's dictionaries above all)
    before it forks, so each worker holds privately only what it made itself: measured 31 MB
    after a name check, 102 MB when every worker loaded its own copy."""
    database_url = f"sqlite:///{tmp_path / 'registry.db'}"
    seed(database_url)
    server = Gunicorn(tmp_path / "server", database_url)
    try:
        server.wait_until_ready()
        for _ in range(4):  # on whichever worker answers
            check = requests.get(f"{server.base}/api/v1/names", params={"q": "张心怡"},
                                 timeout=5).json()
            assert check["matches"][0]["name"] == "张心怡"
        workers = [int(pid) for pid in
                   Path(f"/proc/{server.process.pid}/task/{server.process.pid}/children")
                   .read_text().split()]
        assert len(workers) == 2
        assert all(_private_mb(pid) < 64 for pid in workers), [_private_mb(p) for p in workers]
    finally:
        assert server.stop() == 0


def test_the_app_loads_no_pinyin_phrase_dictionary():
    """Names are read character by character: pypinyin's phrase dictionary (44 MB in every
    process) is never loaded, whichever of the app's modules imports pypinyin first."""
    code = ("import sys; from service import create_app; create_app({'DATABASE_URL': "
            "'sqlite:///:memory:'}); import service.cli; from pypinyin.constants import "
            "PHRASES_DICT; print(len(PHRASES_DICT), 'pypinyin.phrases_dict' in sys.modules)")
    # Not the setting this test process got from importing the app.
    env = {k: v for k, v in os.environ.items() if k != "PYPINYIN_NO_PHRASES"}
    loaded = subprocess.run([BIN / "python", "-c", code], cwd=ROOT, capture_output=True,
                            text=True, check=True, env=env).stdout
    assert loaded.strip() == "0 False"


def test_the_app_loads_no_spreadsheet_or_progress_bar_library():
    """openpyxl (for .xlsx uploads) and tqdm (for the CLI's import-roster) load when used, not
    in every worker: a fresh app holds neither."""
    code = ("import sys; from service import create_app; create_app({'DATABASE_URL': "
            "'sqlite:///:memory:'}); print(sorted({'openpyxl', 'tqdm'} & set(sys.modules)))")
    loaded = subprocess.run([BIN / "python", "-c", code], cwd=ROOT, capture_output=True,
                            text=True, check=True).stdout
    assert loaded.strip() == "[]"
