"""The public pages in a real browser: Debian's Chromium driven by Playwright, checked by axe-core.

.ci/browser-deps.sh installs Chromium, a CJK font and axe-core. Without them these tests skip on a
developer's machine and fail in CI."""

import os
from datetime import date, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

ROOT = Path(__file__).resolve().parents[1]
CHROMIUM = Path("/usr/bin/chromium")
AXE = ROOT / ".ci" / "node_modules" / "axe-core" / "axe.min.js"
SCREENSHOTS = ROOT / "tests" / "artifacts" / "screenshots"
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking"]
PHONE, DESKTOP = {"width": 390, "height": 844}, {"width": 1280, "height": 900}
BLOCKING_IMPACTS = {"serious", "critical"}
IN_CI = os.environ.get("CI") == "true"


def _missing() -> list[str]:
    missing = []
    try:
        import playwright.sync_api  # noqa: F401
    except ImportError:
        missing.append("the playwright package (pip install playwright)")
    if not CHROMIUM.exists():
        missing.append(f"{CHROMIUM} (bash .ci/browser-deps.sh)")
    if not AXE.exists():
        missing.append(f"{AXE.relative_to(ROOT)} (bash .ci/browser-deps.sh)")
    return missing


@pytest.fixture(scope="module")
def browser():
    missing = _missing()
    if missing:
        message = "browser tests need " + ", ".join(missing)
        if IN_CI:
            pytest.fail(message)
        pytest.skip(message)
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        yield chromium
        chromium.close()


@pytest.fixture
def database_url(tmp_path):
    """SQLite only: the pages' SQL is covered on both databases by test_pages.py."""
    return f"sqlite:///{tmp_path / 'registry.db'}"


@pytest.fixture
def pages(browser):
    """A function opening a new page of the given width that records CSP and script errors."""
    contexts = []

    def open_page(viewport=PHONE, **options):
        context = browser.new_context(viewport=viewport, locale="zh-CN", **options)
        contexts.append(context)
        page = context.new_page()
        page.problems = []
        # Console errors are CSP refusals and script errors; a 4xx page we asked for is not one.
        page.on("console", lambda message: message.type == "error"
                and not message.text.startswith("Failed to load resource")
                and page.problems.append(message.text))
        page.on("pageerror", lambda error: page.problems.append(str(error)))
        return page

    yield open_page
    for context in contexts:
        context.close()


# --- helpers -----------------------------------------------------------------------------------

def today() -> date:
    return datetime.now(ZoneInfo("Asia/Shanghai")).date()


def publish_notice(client, tokens, *, title, roster, start, end, article_ids=(), body=""):
    response = client.post("/api/v1/notices", token=tokens["editor"], json={
        "title": title, "category": "press_credential_verification", "issuer": "中国电子报",
        "issued_on": start.isoformat(), "body": body,
        "window": {"start": start.isoformat(), "end": end.isoformat()},
        "contacts": [{"number": "010-83138953", "label": "举报电话"},
                     {"number": "010-64081702", "label": "举报电话"}],
        "roster": [{"name": name} for name in roster], "article_ids": list(article_ids)})
    assert response.status_code == 201, response.text
    notice = response.json()
    response = client.post(f"/api/v1/notices/{notice['id']}/publish", token=tokens["publisher"],
                           json={"backdated": True})
    assert response.status_code == 200, response.text
    return response.json()


def the_registry(client, tokens) -> dict:
    """An open notice with the seed page's roster and an article, a closed one, a withdrawn one."""
    article = client.post("/api/v1/articles", token=tokens["editor"], json={
        "title": "广东力争2025年超高清视频产业收入破万亿元", "kind": "policy",
        "published_on": "2024-01-26", "region": "广东", "byline": "记者 卢梦琪",
        "body": "日前，广东省印发行动计划。\n\n超高清视频产业主要包括设备制造、节目制作。"}).json()
    roster = ["刘东", "胡春民", "连晓东", "诸玲珍", "张心怡", "徐恒", "吴丽琳", "李玉峰",
              "邱江勇", "王伟", "赵晨", "赵旭", "卢梦琪", "宋倩", "谷月", "沈丛", "许子皓",
              "姬晓婷", "杨鹏岳", "张维佳", "史晨", "刘晶"]
    body = ("根据国家新闻出版署要求，现将通过人员名单进行公示，接受社会各界监督，"
            "举报电话为：010-83138953，010-64081702。\n\n中国电子报\n\n2024年1月26日")
    open_notice = publish_notice(
        client, tokens, title="《中国电子报》通过2024年度新闻记者证核验人员名单公示",
        roster=roster, start=today() - timedelta(days=1), end=today() + timedelta(days=9),
        article_ids=[article["id"]], body=body)
    publish_notice(client, tokens, title="《中国电子报》通过2023年度新闻记者证核验人员名单公示",
                   roster=roster[:5], start=date(2024, 1, 26), end=date(2024, 2, 5), body=body)
    withdrawn = publish_notice(client, tokens, title="某报社新闻记者证核验人员名单公示",
                               roster=["张欣怡"], start=today(), end=today() + timedelta(days=5))
    client.post(f"/api/v1/notices/{withdrawn['id']}/withdraw", token=tokens["publisher"],
                json={"reason": "名单有误，将重新公示"})
    return {"open": open_notice, "article": article, "withdrawn": withdrawn}


def screenshot(page, name: str) -> Path:
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    path = SCREENSHOTS / f"{name}-{page.viewport_size['width']}.png"
    page.screenshot(path=str(path), full_page=True)
    assert path.stat().st_size > 0
    return path


def serious_violations(page) -> list[str]:
    # Evaluated through the DevTools protocol, so the pages' CSP (no inline script) still holds.
    page.evaluate(AXE.read_text(encoding="utf-8"))
    result = page.evaluate("axe.run(document, {resultTypes: ['violations']})")
    return [f"{v['id']} ({v['impact']}): {v['help']} at "
            + ", ".join(str(node["target"]) for node in v["nodes"][:3])
            for v in result["violations"] if v["impact"] in BLOCKING_IMPACTS]


def not_overflowing(page) -> bool:
    return page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")


# --- tests -------------------------------------------------------------------------------------

def test_name_check_typed_on_the_home_page_finds_the_match(client, tokens, pages):
    registry = the_registry(client, tokens)
    page = pages(PHONE)
    page.goto(client.base_url + "/")
    assert page.title() == "核对姓名 · 公示登记处"
    field = page.get_by_label("输入要核对的姓名")
    field.fill("張心怡")
    screenshot(page, "home-typed")
    page.get_by_role("button", name="查询").click()
    page.wait_for_url("**/check?name=*")
    assert page.get_by_role("heading", level=1).inner_text() == "「張心怡」的核对结果"
    match = page.locator("li.match").first
    assert "张心怡" in match.inner_text()
    assert "繁简或写法不同" in match.inner_text()
    assert "距公示结束还有 10 天" in match.inner_text()
    assert match.get_by_role("link", name="010-83138953").get_attribute("href") == (
        "tel:+861083138953")
    # The homophone on the withdrawn notice is shown as such, with the reason.
    homophone = page.locator("li.match-pinyin")
    assert "张欣怡" in homophone.inner_text() and "名单有误，将重新公示" in homophone.inner_text()
    assert not_overflowing(page)
    screenshot(page, "check-result")

    match.get_by_role("link", name=registry["open"]["title"]).click()
    page.wait_for_url(f"**/notices/{registry['open']['id']}?q=*")
    assert page.locator("#roster .roster-name").all_inner_texts() == ["张心怡"]
    assert page.problems == []


def test_notice_page_finds_a_name_in_the_roster(client, tokens, pages):
    registry = the_registry(client, tokens)
    for viewport in (PHONE, DESKTOP):
        page = pages(viewport)
        page.goto(f"{client.base_url}/notices/{registry['open']['id']}")
        assert page.get_by_role("heading", level=1).inner_text() == registry["open"]["title"]
        assert "距公示结束还有 10 天" in page.locator(".facts").inner_text()
        assert page.locator("#roster .roster-name").count() == 22
        screenshot(page, "notice")
        page.get_by_label("在名单中查找姓名").fill("晓")
        page.get_by_role("button", name="查找").click()
        page.wait_for_url("**q=*")
        assert page.locator("#roster .roster-name").all_inner_texts() == [
            "连晓东", "姬晓婷"]
        assert page.get_by_role("status").first.inner_text().startswith("包含「晓」的姓名：2 个")
        assert not_overflowing(page)
        screenshot(page, "notice-filtered")
        assert page.problems == []


def test_notice_prints_without_navigation_or_forms(client, tokens, pages):
    registry = the_registry(client, tokens)
    page = pages({"width": 794, "height": 1123})  # A4 at 96 dpi
    page.goto(f"{client.base_url}/notices/{registry['open']['id']}")
    page.emulate_media(media="print")
    assert page.locator(".site-header").is_hidden()
    assert page.locator("form").first.is_hidden()
    assert page.get_by_role("heading", level=1).is_visible()
    assert page.locator("#roster .roster-name").count() == 22
    screenshot(page, "notice-print")


def test_pages_work_without_javascript(client, tokens, pages):
    the_registry(client, tokens)
    page = pages(PHONE, java_script_enabled=False)
    page.goto(client.base_url + "/")
    page.get_by_label("输入要核对的姓名").fill("zhang xinyi")
    page.get_by_label("输入要核对的姓名").press("Enter")
    page.wait_for_url("**/check?name=*")
    assert "同音" in page.locator("li.match").first.inner_text()


def test_keyboard_focus_is_visible(client, tokens, pages):
    the_registry(client, tokens)
    page = pages(DESKTOP)
    page.goto(client.base_url + "/")
    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.textContent") == "跳到正文"
    page.keyboard.press("Tab")
    outline = page.evaluate("getComputedStyle(document.activeElement).outlineStyle")
    assert outline == "solid"


PAGES = [
    ("home", "/"),
    ("check-empty", "/check"),
    ("check-match", "/check?name=%E5%BC%A0%E5%BF%83%E6%80%A1"),
    ("check-none", "/check?name=%E6%9D%8E%E5%9B%9B"),
    ("check-invalid", "/check?name=%20"),
    ("notice-open", "/notices/{open}"),
    ("notice-withdrawn", "/notices/{withdrawn}"),
    ("article", "/articles/{article}"),
    ("articles-search", "/articles?q=%E8%B6%85%E9%AB%98%E6%B8%85"),
    ("not-found", "/no-such-page"),
]


@pytest.mark.parametrize("viewport", [PHONE, DESKTOP], ids=["390", "1280"])
def test_every_page_passes_axe_and_fits_the_screen(client, tokens, pages, viewport):
    registry = the_registry(client, tokens)
    ids = {key: registry[key]["id"] for key in ("open", "withdrawn", "article")}
    page = pages(viewport)
    failures = {}
    for name, path in PAGES:
        page.goto(client.base_url + path.format(**ids))
        screenshot(page, name)
        problems = serious_violations(page)
        if not not_overflowing(page):
            problems.append("wider than the screen")
        if problems:
            failures[name] = problems
    assert failures == {}
    assert page.problems == []
