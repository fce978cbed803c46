"""In-process cost of first article searches: each query asked once through the test client
(the answer cache off), per-query times, medians and p95, per scenario; the slowest listed."""

import argparse
import json
import random
import statistics
import time
from urllib.parse import quote

from bench.load import first_article_queries
from service import create_app
from service.infra.db import database


def percentile(times: list[float], share: float) -> float:
    ordered = sorted(times)
    return ordered[min(len(ordered) - 1, int(share * len(ordered)))]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--database-url", required=True)
    parser.add_argument("--count", type=int, default=300)
    parser.add_argument("--seed", default="search-cost")
    parser.add_argument("--json", help="write every query's time here")
    args = parser.parse_args()
    app = create_app({"DATABASE_URL": args.database_url, "ARTICLE_SEARCH_CACHE_MB": 0,
                      "PUBLIC_RATE_LIMIT": "1000000/minute",
                      "SEARCH_RATE_LIMIT": "1000000/minute",
                      "RATELIMIT_STORAGE_URI": "memory://"})
    with app.app_context(), database.connection_context():
        scenarios = first_article_queries(random.Random(args.seed), args.count)
    client = app.test_client()
    client.get("/api/v1/articles?q=" + quote("产业"))  # warm up
    report = {}
    for scenario, queries in scenarios.items():
        times = []
        for kind, q in queries[:args.count]:
            started = time.perf_counter()
            response = client.get("/api/v1/articles?q=" + quote(q))
            elapsed = (time.perf_counter() - started) * 1000
            assert response.status_code == 200, response.text
            body = response.get_json()
            times.append((elapsed, q, kind, body["total"], body["total_relation"]))
        ms = [t[0] for t in times]
        report[scenario] = times
        print(f"{scenario}: n={len(ms)} p50 {statistics.median(ms):.1f} "
              f"p95 {percentile(ms, 0.95):.1f} max {max(ms):.1f} ms; "
              f"gte {sum(t[4] == 'gte' for t in times)}")
        for t in sorted(times, reverse=True)[:5]:
            print(f"   {t[0]:7.1f} ms  {t[1]!r} ({t[2]}) total {t[3]} {t[4]}")
    if args.json:
        with open(args.json, "w") as out:
            json.dump(report, out, ensure_ascii=False)


if __name__ == "__main__":
    main()
