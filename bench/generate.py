"""Generate a national-scale registry into DATABASE_URL through the service's domain functions.

    flask --app service init-db
    python -m bench.generate [--scale 1.0] [--seed 20240126]

At scale 1: 20,000 published notices (windows over 2020–2027, so open, closed and scheduled all
occur; 0.5% later withdrawn) holding 1,000,000 roster entries, and 100,000 articles. Every notice is
created, filled and published through create_notice → add_roster_entries → publish_notice, and
every article, first (a notice links published articles only), through create_article →
publish_article, exactly as the API does (each issuer and source an organisation of its own);
the wall time of add_roster_entries alone is reported as the roster load time. The same seed
gives the same data. A summary goes to
bench/out/generate-<database>.json.
"""

import argparse
import json
import math
import multiprocessing
import os
import random
import sys
import time
from collections import Counter
from collections.abc import Iterator
from datetime import date, timedelta
from pathlib import Path

from bench.names import NameMaker
from bench.text import CITIES, PROVINCES, ArticleWriter, province_name
from service.config import DEFAULTS
from service.domain import articles, notices, organizations
from service.domain.contacts import ContactError, normalize_number
from service.domain.models import Article, Notice, RosterEntry, RosterPinyin
from service.domain.status import status_of
from service.infra.clock import utcnow
from service.infra.db import database, is_sqlite, open_database
from service.migrations import LATEST, applied_version

OUT = Path(__file__).resolve().parent / "out"
ACTOR = "bench"
NOTICES, ROSTER_ENTRIES, ARTICLES = 20_000, 1_000_000, 100_000
WITHDRAWN_SHARE = 0.005
LINKED_ARTICLE_SHARE = 0.03
ARTICLES_PER_TRANSACTION = 100
FIRST_ISSUE, LAST_ISSUE = date(2020, 1, 1), date(2027, 11, 30)
FIRST_ARTICLE, LAST_ARTICLE = date(2019, 1, 1), date(2026, 12, 31)

# Area codes of each province's capital, for the report numbers (举报电话).
AREA_CODES = {
    "北京": "010", "天津": "022", "河北": "0311", "山西": "0351", "内蒙古": "0471", "辽宁": "024",
    "吉林": "0431", "黑龙江": "0451", "上海": "021", "江苏": "025", "浙江": "0571", "安徽": "0551",
    "福建": "0591", "江西": "0791", "山东": "0531", "河南": "0371", "湖北": "027", "湖南": "0731",
    "广东": "020", "广西": "0771", "海南": "0898", "重庆": "023", "四川": "028", "贵州": "0851",
    "云南": "0871", "西藏": "0891", "陕西": "029", "甘肃": "0931", "青海": "0971", "宁夏": "0951",
    "新疆": "0991",
}
# Administrative division codes, the first digits of a press card number.
DIVISION_CODES = dict(zip(PROVINCES, (11, 12, 13, 14, 15, 21, 22, 23, 31, 32, 33, 34, 35, 36, 37,
                                      41, 42, 43, 44, 45, 46, 50, 51, 52, 53, 54, 61, 62, 63, 64,
                                      65), strict=True))
NATIONAL_PAPERS = (
    "中国电子报", "人民邮电报", "中国工业报", "科技日报", "经济日报", "光明日报", "中国青年报",
    "工人日报", "农民日报", "法治日报", "中国教育报", "健康报", "中国交通报", "中国环境报",
    "中国水利报", "中国能源报", "中国证券报", "上海证券报", "证券时报", "中国城市报",
    "中国信息化周报", "通信产业报", "中国知识产权报", "中国国防报", "中国体育报", "中国文化报",
    "中国旅游报", "中国食品报", "中国纺织报", "中国建材报", "中国冶金报", "中国化工报",
    "中国航天报", "中国船舶报",
)
BUREAUS = ("人力资源和社会保障局", "教育局", "卫生健康委员会", "财政局", "市场监督管理局",
           "住房和城乡建设局", "交通运输局", "生态环境局", "科学技术局", "工业和信息化局", "公安局",
           "自然资源和规划局", "农业农村局", "文化和旅游局", "应急管理局", "统计局")
FIELDS = ("工程技术", "卫生", "中小学教师", "高校教师", "经济", "会计", "新闻", "出版", "农业技术",
          "工艺美术", "档案", "翻译")

# (category, share of notices, median roster size, spread, title template, share of a roster that
# recurs from the issuer's earlier rosters)
CATEGORIES = (
    ("press_credential_verification", 0.15, 20, 1.0,
     "《{issuer}》通过{year}年度新闻记者证核验人员名单公示", 0.6),
    ("civil_servant_hiring", 0.20, 25, 1.0,
     "{issuer}{year}年考试录用公务员拟录用人员名单公示", 0.0),
    ("institution_hiring", 0.25, 18, 1.0,
     "{issuer}{year}年公开招聘工作人员拟聘用人员公示", 0.0),
    ("title_evaluation", 0.15, 40, 1.1,
     "{issuer}关于{year}年度{field}专业职称评审通过人员名单的公示", 0.05),
    ("commendation", 0.10, 15, 0.9, "{issuer}{year}年度先进工作者拟表彰人选公示", 0.1),
    ("graduate_admission", 0.08, 250, 0.9, "{issuer}{year}年硕士研究生拟录取名单公示", 0.0),
    ("scholarship", 0.07, 40, 0.8, "{issuer}{year}年国家奖学金拟获奖学生名单公示", 0.0),
)
MAX_ROSTER = 8_000
READY_SECONDS = 300  # for a loader of add_rosters_at_once to start


def log(message: str) -> None:
    print(f"[{time.strftime('%H:%M:%S')}] {message}", flush=True)


def random_day(rng: random.Random, first: date, last: date) -> date:
    return first + timedelta(days=rng.randint(0, (last - first).days))


class Issuers:
    """Issuing bodies by category: newspapers, government bureaus, universities, hospitals."""

    def __init__(self, rng: random.Random):
        self.rng = rng
        papers = [(p, "北京") for p in NATIONAL_PAPERS]
        papers += [(f"{p}日报", p) for p in PROVINCES] + [(f"{c}日报", self._province_of(c))
                                                          for c in CITIES]
        papers += [(f"{c}晚报", self._province_of(c)) for c in CITIES[:30]]
        bureaus = [(f"{c}市{b}", self._province_of(c)) for c in CITIES for b in BUREAUS]
        bureaus += [(f"{province_name(p)}{b.replace('局', '厅')}", p)
                    for p in PROVINCES for b in BUREAUS[:8]]
        universities = [(f"{c}大学", self._province_of(c)) for c in CITIES[:40]]
        universities += [(f"{p}{kind}", p) for p in PROVINCES
                         for kind in ("师范大学", "理工大学", "农业大学", "医科大学", "财经大学")]
        hospitals = [(f"{c}市第{n}人民医院", self._province_of(c)) for c in CITIES
                     for n in "一二三"]
        self.by_category = {
            "press_credential_verification": papers,
            "civil_servant_hiring": bureaus,
            "institution_hiring": bureaus + hospitals + universities,
            "title_evaluation": bureaus + hospitals,
            "commendation": bureaus + hospitals + papers,
            "graduate_admission": universities,
            "scholarship": universities,
        }
        # A few issuers publish far more than the rest.
        self.weights = {category: [1 / (rank + 5) for rank in range(len(items))]
                        for category, items in self.by_category.items()}
        for items in self.by_category.values():
            rng.shuffle(items)

    def _province_of(self, city: str) -> str:
        return CITY_PROVINCES.get(city, "广东")

    def pick(self, category: str) -> tuple[str, str]:
        return self.rng.choices(self.by_category[category], self.weights[category])[0]


CITY_PROVINCES = {
    "深圳": "广东", "广州": "广东", "东莞": "广东", "佛山": "广东", "惠州": "广东", "珠海": "广东",
    "中山": "广东", "苏州": "江苏", "无锡": "江苏", "南京": "江苏", "常州": "江苏", "南通": "江苏",
    "杭州": "浙江", "宁波": "浙江", "绍兴": "浙江", "嘉兴": "浙江", "温州": "浙江", "合肥": "安徽",
    "芜湖": "安徽", "武汉": "湖北", "襄阳": "湖北", "宜昌": "湖北", "成都": "四川", "绵阳": "四川",
    "西安": "陕西", "宝鸡": "陕西", "长沙": "湖南", "株洲": "湖南", "郑州": "河南", "洛阳": "河南",
    "青岛": "山东", "济南": "山东", "烟台": "山东", "潍坊": "山东", "厦门": "福建", "福州": "福建",
    "泉州": "福建", "重庆": "重庆", "天津": "天津", "沈阳": "辽宁", "大连": "辽宁",
    "哈尔滨": "黑龙江", "长春": "吉林", "石家庄": "河北", "太原": "山西", "南昌": "江西",
    "赣州": "江西", "贵阳": "贵州", "遵义": "贵州", "昆明": "云南", "南宁": "广西", "柳州": "广西",
    "海口": "海南", "兰州": "甘肃", "乌鲁木齐": "新疆", "呼和浩特": "内蒙古", "银川": "宁夏",
    "西宁": "青海", "拉萨": "西藏",
}


def roster_sizes(rng: random.Random, categories: list[tuple], total: int) -> list[int]:
    """Log-normal sizes per category, scaled so that they add up to exactly `total`."""
    raw = [min(MAX_ROSTER, max(1.0, rng.lognormvariate(math.log(c[2]), c[3]))) for c in categories]
    factor = total / sum(raw)
    sizes = [max(1, min(MAX_ROSTER, round(r * factor))) for r in raw]
    while (gap := total - sum(sizes)) != 0:
        index = rng.randrange(len(sizes))
        step = 1 if gap > 0 else -1
        if 1 <= sizes[index] + step <= MAX_ROSTER:
            sizes[index] += step
    return sizes


def phone_number(rng: random.Random, province: str) -> str:
    code = AREA_CODES[province]
    for digits in (8, 7):
        number = f"{code}-{rng.choice('68')}{rng.randint(0, 10 ** (digits - 1) - 1):0{digits - 1}d}"
        try:
            normalize_number(number, "CN")
            return number
        except ContactError:
            continue
    return "010-83138953"


class NoticePlanner:
    """Notices with their rosters; issuers' later rosters repeat some people of earlier ones."""

    def __init__(self, rng: random.Random, names: NameMaker, count: int, entries: int):
        self.rng, self.names = rng, names
        self.issuers = Issuers(rng)
        shares = [c[1] for c in CATEGORIES]
        self.categories = rng.choices(CATEGORIES, shares, k=count)
        self.sizes = roster_sizes(rng, self.categories, entries)
        self.people: dict[str, list[dict]] = {}

    def notice(self, index: int) -> tuple[dict, list[dict]]:
        rng = self.rng
        category, _, _, _, template, recurring = self.categories[index]
        issuer, province = self.issuers.pick(category)
        issued_on = random_day(rng, FIRST_ISSUE, LAST_ISSUE)
        start = issued_on + timedelta(days=rng.choice((0, 0, 0, 1, 3)))
        end = start + timedelta(days=rng.choice((4, 6, 6, 9, 9, 10, 13, 14, 29)))
        contacts = [{"number": phone_number(rng, province), "label": "举报电话"}
                    for _ in range(rng.choice((1, 1, 2)))]
        title = template.format(issuer=issuer, year=issued_on.year - (category.startswith("press")),
                                field=rng.choice(FIELDS))
        body = (f"根据有关规定，经审核，现将{title.removesuffix('公示')}予以公示，"
                "接受社会各界监督。"
                f"公示期为{start.year}年{start.month}月{start.day}日—{end.month}月{end.day}日。"
                f"如有异议，请在公示期内以书面或电话形式反映，举报电话："
                f"{'，'.join(c['number'] for c in contacts)}。\n\n{issuer}\n\n"
                f"{issued_on.year}年{issued_on.month}月{issued_on.day}日")
        data = {
            "title": title[:200], "category": category, "issuer": issuer, "issued_on": issued_on,
            "body": body, "contacts": contacts,
            "window": {"start": start, "end": end, "timezone": DEFAULTS["NOTICE_TIMEZONE"]},
        }
        return data, self._roster(category, issuer, province, self.sizes[index], recurring)

    def _roster(self, category: str, issuer: str, province: str, size: int,
                recurring: float) -> list[dict]:
        rng = self.rng
        pool = self.people.setdefault(issuer, [])
        seen: set[str] = set()
        roster = []
        for person in rng.sample(pool, min(len(pool), round(size * recurring))):
            if person["name"] not in seen:
                seen.add(person["name"])
                roster.append(person)
        while len(roster) < size:
            name = self.names.name()
            if name in seen:
                continue
            seen.add(name)
            person = {"name": name}
            if category == "press_credential_verification":
                person["organization"] = issuer
                person["credential_no"] = (f"{DIVISION_CODES[province]}"
                                           f"{rng.randint(0, 10 ** 12 - 1):012d}")
            elif category == "title_evaluation" and rng.random() < 0.8:
                person["organization"] = rng.choice(
                    self.issuers.by_category["institution_hiring"])[0]
            roster.append(person)
            if recurring:
                pool.append(person)
        rng.shuffle(roster)
        return roster


class Organizations:
    """Each issuer and source is an organisation (registered on first use, as the CLI does)."""

    def __init__(self):
        self.ids: dict[str, int] = {}

    def id_of(self, name: str) -> int:
        if name not in self.ids:
            self.ids[name] = organizations.ensure_organization(name, ACTOR).id
        return self.ids[name]


ORGANIZATIONS = Organizations()
NOTICE_DEFAULTS = {"default_timezone": DEFAULTS["NOTICE_TIMEZONE"],
                   "region": DEFAULTS["PHONE_REGION"]}


def planned_notices(planner: NoticePlanner, count: int,
                    article_links: dict[int, list[int]]) -> Iterator[tuple[dict, list[dict]]]:
    """(create_notice's data, roster) of each notice in turn, its organisation registered."""
    for index in range(count):
        data, roster = planner.notice(index)
        data["organization_id"] = ORGANIZATIONS.id_of(data["issuer"])
        if index in article_links:
            data["article_ids"] = article_links[index]
        yield data, roster


def load_notices(rng: random.Random, count: int, entries: int, progress_every: int,
                 article_links: dict[int, list[int]], loaders: int = 1,
                 database_url: str = "") -> dict:
    """`article_links`: the ids of the (published) articles beside the notice of each index.
    With `loaders` > 1, every draft is created first, then the rosters are added by that many
    processes at once (see add_rosters_at_once), then the notices published."""
    if loaders > 1:
        return load_notices_at_once(rng, count, entries, article_links, loaders, database_url)
    planner = NoticePlanner(rng, NameMaker(rng), count, entries)
    plans = planned_notices(planner, count, article_links)
    roster_seconds = other_seconds = plan_seconds = 0.0
    added = 0
    name_counts: Counter[str] = Counter()
    notice_ids = []
    started = time.perf_counter()
    for index in range(count):
        t0 = time.perf_counter()
        data, roster = next(plans)
        t1 = time.perf_counter()
        notice = notices.create_notice(data, ACTOR, **NOTICE_DEFAULTS)
        t2 = time.perf_counter()
        notices.add_roster_entries(notice.id, roster, ACTOR)
        t3 = time.perf_counter()
        notices.publish_notice(notice.id, ACTOR, backdated=True)  # windows 2020–2027
        if rng.random() < WITHDRAWN_SHARE:
            notices.withdraw_notice(notice.id, "名单有误，重新公示", ACTOR)
        t4 = time.perf_counter()
        plan_seconds += t1 - t0
        roster_seconds += t3 - t2
        other_seconds += (t2 - t1) + (t4 - t3)
        added += len(roster)
        name_counts.update(person["name"] for person in roster)
        notice_ids.append(notice.id)
        if (index + 1) % progress_every == 0 or index + 1 == count:
            log(f"notices {index + 1}/{count}, names {added}: add_roster_entries "
                f"{roster_seconds:.1f} s ({added / roster_seconds:,.0f} names/s), "
                f"elapsed {time.perf_counter() - started:.0f} s")
    return {
        **roster_summary(name_counts, planner, notice_ids),
        "add_roster_entries_seconds": round(roster_seconds, 1),
        "add_roster_entries_names_per_second": round(added / roster_seconds),
        "create_publish_seconds": round(other_seconds, 1),
        "planning_seconds": round(plan_seconds, 1),
        "wall_seconds": round(time.perf_counter() - started, 1),
    }


def roster_summary(name_counts: Counter[str], planner: NoticePlanner,
                   notice_ids: list[int]) -> dict:
    added = name_counts.total()
    return {
        "notices": len(notice_ids),
        "roster_entries": added,
        "distinct_names": len(name_counts),
        "entries_sharing_their_name": round(
            sum(n for n in name_counts.values() if n > 1) / added, 3),
        "most_common_names": name_counts.most_common(5),
        "largest_roster": max(planner.sizes),
        "median_roster": sorted(planner.sizes)[len(planner.sizes) // 2],
        "notice_ids": (notice_ids[0], notice_ids[-1]) if notice_ids else None,
    }


def load_notices_at_once(rng: random.Random, count: int, entries: int,
                         article_links: dict[int, list[int]], loaders: int,
                         database_url: str) -> dict:
    planner = NoticePlanner(rng, NameMaker(rng), count, entries)
    started = time.perf_counter()
    rosters, withdrawn, name_counts = [], set(), Counter()
    for data, roster in planned_notices(planner, count, article_links):
        notice_id = notices.create_notice(data, ACTOR, **NOTICE_DEFAULTS).id
        rosters.append((notice_id, roster))
        name_counts.update(person["name"] for person in roster)
        if rng.random() < WITHDRAWN_SHARE:  # drawn in load_notices' order: the same data
            withdrawn.add(notice_id)
    log(f"{count} drafts created in {time.perf_counter() - started:.0f} s; adding their rosters "
        f"with {loaders} loaders")
    roster_seconds = add_rosters_at_once(rosters, loaders, database_url)
    added = name_counts.total()
    log(f"names {added}: add_roster_entries {roster_seconds:.1f} s "
        f"({added / roster_seconds:,.0f} names/s) with {loaders} loaders")
    for notice_id, _ in rosters:
        notices.publish_notice(notice_id, ACTOR, backdated=True)
        if notice_id in withdrawn:
            notices.withdraw_notice(notice_id, "名单有误，重新公示", ACTOR)
    return {**roster_summary(name_counts, planner, [notice_id for notice_id, _ in rosters]),
            "loaders": loaders, "add_roster_entries_seconds": round(roster_seconds, 1),
            "add_roster_entries_names_per_second": round(added / roster_seconds),
            "wall_seconds": round(time.perf_counter() - started, 1)}


def add_rosters_at_once(rosters: list[tuple[int, list[dict]]], loaders: int,
                        database_url: str) -> float:
    """Wall seconds for `loaders` processes, each with its own connection, to add the rosters
    (every loader's share in turn): many staff uploading at once, as a busy registry has them.
    On PostgreSQL one loader waits for a WAL flush per call (3–6 ms on this machine's disk);
    concurrent commits share their flushes. Timed from when every loader is ready."""
    context = multiprocessing.get_context("spawn")  # no connection inherited across a fork
    ready = context.Barrier(loaders + 1, timeout=READY_SECONDS)  # a loader may die starting
    processes = [context.Process(target=_add_rosters,
                                 args=(database_url, rosters[i::loaders], ready))
                 for i in range(loaders)]
    for process in processes:
        process.start()
    ready.wait()
    started = time.perf_counter()
    for process in processes:
        process.join()
    if any(process.exitcode for process in processes):
        sys.exit("a loader failed")
    return time.perf_counter() - started


def _add_rosters(database_url: str, rosters: list[tuple[int, list[dict]]], ready) -> None:
    database.initialize(open_database(database_url))
    with database.connection_context():
        ready.wait()
        for notice_id, roster in rosters:
            notices.add_roster_entries(notice_id, roster, ACTOR)


def load_articles(rng: random.Random, count: int, notice_count: int,
                  progress_every: int) -> tuple[dict, dict[int, list[int]]]:
    """Create and publish the articles (before the notices: a notice publishes beside published
    articles only); returns the summary and the articles chosen for each notice's index."""
    names = NameMaker(rng)
    links: dict[int, list[int]] = {}
    writer = ArticleWriter(rng, names.name)
    kinds = rng.choices(("news", "policy", "meeting"), (0.55, 0.25, 0.20), k=count)
    started = time.perf_counter()
    write_seconds = 0.0
    for first in range(0, count, ARTICLES_PER_TRANSACTION):
        batch = []
        for index in range(first, min(count, first + ARTICLES_PER_TRANSACTION)):
            record = writer.article(random_day(rng, FIRST_ARTICLE, LAST_ARTICLE), kinds[index])
            target = None
            if notice_count and rng.random() < LINKED_ARTICLE_SHARE:
                target = rng.randrange(notice_count)
            record["organization_id"] = ORGANIZATIONS.id_of(record["source"])
            batch.append((record, target))
        t0 = time.perf_counter()
        # One transaction per batch (each write nests as a savepoint) to spare a commit per
        # article; the work per article is the service's own.
        with database.atomic():
            for record, target in batch:
                article = articles.create_article(record, ACTOR)
                articles.publish_article(article.id, ACTOR)
                if target is not None:
                    links.setdefault(target, []).append(article.id)
        write_seconds += time.perf_counter() - t0
        done = min(count, first + ARTICLES_PER_TRANSACTION)
        if done % progress_every == 0 or done == count:
            log(f"articles {done}/{count}: create_article {write_seconds:.1f} s "
                f"({done / write_seconds:,.0f}/s), elapsed {time.perf_counter() - started:.0f} s")
    return {
        "articles": count,
        "create_publish_article_seconds": round(write_seconds, 1),
        "articles_per_second": round(count / write_seconds),
        "wall_seconds": round(time.perf_counter() - started, 1),
    }, links


def statuses() -> dict[str, int]:
    now = utcnow()
    return dict(Counter(status_of(n, now) for n in Notice.select(
        Notice.published_at, Notice.withdrawn_at, Notice.opens_at, Notice.closes_at)))


def finish() -> dict:
    """Let the planner see the new data as a running deployment would (autovacuum / checkpoint)."""
    started = time.perf_counter()
    if is_sqlite():
        database.execute_sql("PRAGMA wal_checkpoint(TRUNCATE)")
    else:
        database.execute_sql("VACUUM ANALYZE")
    return {"seconds": round(time.perf_counter() - started, 1),
            "step": "wal_checkpoint" if is_sqlite() else "VACUUM ANALYZE"}


def database_size(url: str) -> int:
    if is_sqlite():
        path = Path(database.database)
        return sum(p.stat().st_size for p in path.parent.glob(path.name + "*"))
    return database.execute_sql("SELECT pg_database_size(current_database())").fetchone()[0]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--scale", type=float, default=1.0,
                        help="fraction of the national scale (0.01 for a quick run)")
    parser.add_argument("--seed", type=int, default=20240126)
    parser.add_argument("--database-url", default=os.environ.get("DATABASE_URL"),
                        help="defaults to $DATABASE_URL")
    parser.add_argument("--skip-articles", action="store_true")
    parser.add_argument("--loaders", type=int, default=1,
                        help="processes adding rosters at once (timed apart; drafts first)")
    parser.add_argument("--summary", type=Path, help="JSON summary (default bench/out/…)")
    args = parser.parse_args(argv)
    if not args.database_url:
        parser.error("set DATABASE_URL or --database-url")

    database.initialize(open_database(args.database_url))
    counts = (max(1, round(NOTICES * args.scale)), max(1, round(ROSTER_ENTRIES * args.scale)),
              max(1, round(ARTICLES * args.scale)))
    with database.connection_context():
        if applied_version() != LATEST:
            sys.exit("the schema is not current: run `flask --app service init-db` first")
        if Notice.select().exists() or Article.select().exists():
            sys.exit("the database already holds notices or articles: give an empty one")
        log(f"generating {counts[0]} notices, {counts[1]} names, {counts[2]} articles "
            f"(scale {args.scale}, seed {args.seed}) into {database.obj.__class__.__name__}")
        # Separate streams, so that one part's size never changes another part's data.
        summary = {"scale": args.scale, "seed": args.seed,
                   "database": "sqlite" if is_sqlite() else "postgresql"}
        links = {}
        if not args.skip_articles:
            summary["articles"], links = load_articles(
                random.Random(f"{args.seed}-articles"), counts[2], counts[0],
                max(100, counts[2] // 20 // 100 * 100))
        summary["roster"] = load_notices(random.Random(f"{args.seed}-notices"), counts[0],
                                         counts[1], max(1, counts[0] // 20), links,
                                         args.loaders, args.database_url)
        summary["organizations"] = len(ORGANIZATIONS.ids)
        summary["statuses"] = statuses()
        summary["pinyin_keys"] = RosterPinyin.select().count()
        summary["roster_rows"] = RosterEntry.select().count()
        summary["finish"] = finish()
        summary["database_bytes"] = database_size(args.database_url)
    path = args.summary or OUT / f"generate-{summary['database']}.json"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(summary, ensure_ascii=False, indent=2, default=str))
    log(f"done: {json.dumps(summary, ensure_ascii=False, default=str)}")
    log(f"summary written to {path}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
