"""The README works when typed: `make run` in a copy of the repository, then every shell block
marked `<!-- readme-test -->`, in order, in one bash, as a reader would type them in a second
terminal; each command must succeed, and the walkthrough's notice must be public afterwards."""

import os
import re
import shutil
import signal
import subprocess
import sys
import time
from datetime import date, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
import requests

from tests.processes import ROOT, free_port, wait_until_ready

VENV = Path(sys.prefix)
MARKED_BLOCK = re.compile(r"<!-- readme-test -->\n```sh\n(.*?)^```", re.S | re.M)
README_ADDRESS = "localhost:8000"
NOT_COPIED = shutil.ignore_patterns(".git", ".venv", "var", "__pycache__", ".pytest_cache",
                                    ".ruff_cache", "node_modules", "artifacts")
# Settings a developer's shell may carry that a new reader's does not; MAKE* would make a nested
# make print "Entering directory" into $(make token ...).
NOT_INHERITED = ("DATABASE_URL", "BIND", "PORT", "MAKEFLAGS", "MAKELEVEL", "MFLAGS",
                 "PUBLIC_RATE_LIMIT", "SEED_ON_START")
pytestmark = pytest.mark.skipif(
    not (shutil.which("make") and shutil.which("curl")) or sys.prefix == sys.base_prefix,
    reason="needs make, curl and a virtualenv to stand for .venv, as the README does")


def marked_blocks() -> list[str]:
    return MARKED_BLOCK.findall((ROOT / "README.md").read_text(encoding="utf-8"))


def beijing_day(days_from_today: int) -> str:
    return (datetime.now(ZoneInfo("Asia/Shanghai")).date() + timedelta(days_from_today)).isoformat()


def repository_copy(target: Path) -> Path:
    """The working tree (committed or not) without its data; .venv points at this suite's
    virtualenv entry by entry, beside fresh stamp files, so make never reinstalls into it."""
    shutil.copytree(ROOT, target, ignore=NOT_COPIED)
    venv = target / ".venv"
    venv.mkdir()
    for entry in VENV.iterdir():
        if not entry.name.startswith("."):
            (venv / entry.name).symlink_to(entry)
    (venv / ".runtime").touch()
    (venv / ".dev").touch()
    return target


@pytest.fixture
def make_run(tmp_path):
    """`make run` in a copy of the repository on a free port; yields the copy, the port, the
    environment it runs in, and the file holding its output."""
    repo = repository_copy(tmp_path / "repo")
    port = free_port()
    env = {key: value for key, value in os.environ.items() if key not in NOT_INHERITED}
    env.update(PORT=str(port), WEB_CONCURRENCY="1", GUNICORN_CONTROL_SOCKET="off")
    log_path = tmp_path / "make-run.log"
    with log_path.open("w") as log:
        server = subprocess.Popen(["make", "run"], cwd=repo, env=env, stdout=log,
                                  stderr=subprocess.STDOUT, start_new_session=True)
    try:
        wait_until_ready(f"http://127.0.0.1:{port}/readyz", server, seconds=40)
        yield repo, port, env, log_path
    finally:
        os.killpg(server.pid, signal.SIGTERM)  # make, gunicorn and the scheduler together
        server.wait(timeout=40)
        stop_group(server.pid)


def stop_group(group: int, seconds: float = 15) -> None:
    """Wait for the group's processes to exit (gunicorn may outlive make briefly), then kill
    what is left."""
    deadline = time.monotonic() + seconds
    try:
        while time.monotonic() < deadline:
            os.killpg(group, 0)
            time.sleep(0.2)
        os.killpg(group, signal.SIGKILL)
    except ProcessLookupError:
        pass


def test_readme_marks_the_blocks_a_reader_types():
    blocks = marked_blocks()
    assert len(blocks) >= 2
    assert all(README_ADDRESS in block for block in blocks)
    assert not any(re.search(r"curl -s\b(?! ?S)", block) for block in blocks), "-s hides errors"


def test_readme_commands_work_as_typed(make_run):
    repo, port, env, log_path = make_run
    assert "make token ROLE=" in log_path.read_text(), "make run says how to get a token"
    script = "\n".join(block.replace(README_ADDRESS, f"localhost:{port}")
                       for block in marked_blocks())
    assert ":8000" not in script
    result = subprocess.run(["bash", "-e", "-o", "pipefail", "-x", "-c", script], cwd=repo,
                            env=env, capture_output=True, text=True, timeout=90)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "张心怡" in result.stdout  # the seed's name check in "Try it"
    assert re.search(r"imported 3 names into notice \d+", result.stdout)

    base = f"http://127.0.0.1:{port}/api/v1"
    [notice] = requests.get(f"{base}/notices", params={"issuer": "示例市示例局"},
                            timeout=5).json()["items"]
    assert notice["status"] == "withdrawn"
    assert notice["withdrawal_reason"] == "演示公示，并非真实名单"
    assert notice["roster_size"] == 8
    assert notice["contacts"][0]["e164"] == "+442079460000"
    assert notice["window"]["start"] == beijing_day(0)
    assert notice["window"]["end"] == beijing_day(14)  # extended from day 9
    for name in ("张三", "王五", "孙八"):  # the JSON body, roster.csv, roster.xlsx
        check = requests.get(f"{base}/names", params={"q": name}, timeout=5).json()
        assert [m["notice"]["id"] for m in check["matches"]] == [notice["id"]], name
    seed = requests.get(f"{base}/notices", params={"issuer": "中国电子报"}, timeout=5).json()
    assert seed["total"] == 1  # nothing was published under a real issuer's name
    assert date.fromisoformat(notice["issued_on"]) == date.fromisoformat(beijing_day(0))
    assert notice["organization_name"] == "示例市示例局"  # the walkthrough token's organisation
    # The second walkthrough: another organisation's publisher was refused the seed's notice.
    assert "\n403\n" in result.stdout
    assert requests.get(f"{base}/notices/1", timeout=5).json()["status"] != "withdrawn"
    [organization] = requests.get(f"{base}/organizations", params={"q": "演示市文化局"},
                                  timeout=5).json()["items"]
    drafts_seen = requests.get(f"{base}/organizations/{organization['id']}", timeout=5).json()
    assert drafts_seen["open_notices"] == drafts_seen["recent_notices"] == []
