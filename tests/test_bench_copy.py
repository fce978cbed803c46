"""bench/copy_to_postgres.py: the PostgreSQL copy of a generated SQLite registry answers alike."""

import os
import re
import subprocess
import sys

from service import create_app
from service.infra.db import database
from tests.processes import ROOT


def run(*args: str, database_url: str) -> None:
    subprocess.run([sys.executable, *args], cwd=ROOT, check=True, capture_output=True,
                   env={**os.environ, "DATABASE_URL": database_url})


def answers(database_url: str, paths: list[str]) -> list:
    app = create_app({"DATABASE_URL": database_url, "TESTING": True,
                      "PUBLIC_RATE_LIMIT": "100000/minute", "SEARCH_RATE_LIMIT": "100000/minute"})
    try:
        client = app.test_client()
        return [client.get(path).get_json() for path in paths]
    finally:
        database.close_all()


def test_the_copy_answers_every_public_question_as_the_sqlite_file(tmp_path, own_postgres):
    sqlite_url, (postgres_url, _) = f"sqlite:///{tmp_path / 'generated.db'}", own_postgres
    for url in (sqlite_url, postgres_url):
        run("-m", "flask", "--app", "service", "init-db", database_url=url)
    run("-m", "bench.generate", "--scale", "0.001", "--summary", str(tmp_path / "summary.json"),
        database_url=sqlite_url)
    run("-m", "bench.copy_to_postgres", str(tmp_path / "generated.db"), postgres_url,
        database_url=postgres_url)

    listed, titled = answers(sqlite_url, ["/api/v1/notices?page_size=100",
                                          "/api/v1/articles?page_size=100"])
    notice_ids = [item["id"] for item in listed["items"]]
    # Pieces of 5–8 characters of titles: on PostgreSQL, lexemes of the phrase vectors.
    phrases = [run[:length] for item in titled["items"][:4]
               for run in re.findall("[\u4e00-\u9fff]{8,}", item["title"])[:1]
               for length in (5, 8)]
    paths = ["/api/v1/notices?page_size=100", "/api/v1/organizations?page_size=100",
             "/api/v1/articles?q=发展", "/api/v1/articles?q=集成电路&page=2",
             *(f"/api/v1/articles?q={phrase}" for phrase in phrases),
             *(f"/api/v1/notices/{i}" for i in notice_ids[:5]),
             *(f"/api/v1/notices/{i}/roster?page_size=100" for i in notice_ids[:5])]
    sqlite_answers = answers(sqlite_url, paths)
    names = {entry["name"] for roster in sqlite_answers[-5:] for entry in roster["items"]}
    name_paths = [f"/api/v1/names?q={name}" for name in sorted(names)[:30]]

    assert listed["total"] == 20 and len(names) >= 10 and len(phrases) >= 4
    assert all(answer["total"] for answer in sqlite_answers[4:4 + len(phrases)])
    assert answers(postgres_url, paths + name_paths) == sqlite_answers + answers(sqlite_url,
                                                                                 name_paths)
