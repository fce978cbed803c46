"""The public pages in a real browser: Debian's Chromium driven by Playwright, checked by axe-core.

.ci/browser-deps.sh installs Chromium, a CJK font and axe-core. Without them these tests skip on a
developer's machine and fail in CI."""

from datetime import date, timedelta
from pathlib import Path
from urllib.parse import quote, urlsplit

import pytest

from tests.builders import publish_article, today
from tests.processes import IN_CI, ROOT

CHROMIUM = Path("/usr/bin/chromium")
AXE = ROOT / ".ci" / "node_modules" / "axe-core" / "axe.min.js"
SCREENSHOTS = ROOT / "tests" / "artifacts" / "screenshots"
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking"]
SMALL_PHONE, PHONE = {"width": 320, "height": 640}, {"width": 390, "height": 844}
DESKTOP = {"width": 1280, "height": 900}
WIDTHS = [SMALL_PHONE, PHONE, DESKTOP]
BLOCKING_IMPACTS = {"serious", "critical"}


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

def publish_notice(client, tokens, *, title, roster, start, end, article_ids=(), body=""):
    response = client.post("/api/v1/notices", token=tokens["editor"], json={
        "title": title, "category": "press_credential_verification", "issuer": "中国电子报",
        "issued_on": start.isoformat(), "body": body,
        "window": {"start": start.isoformat(), "end": end.isoformat()},
        "contacts": [{"number": "010-83138953", "label": "举报电话"},
                     {"number": "010-64081702", "label": "举报电话"}],
        "roster": [entry if isinstance(entry, dict) else {"name": entry} for entry in roster],
        "article_ids": list(article_ids)})
    assert response.status_code == 201, response.text
    notice = response.json()
    response = client.post(f"/api/v1/notices/{notice['id']}/publish", token=tokens["publisher"],
                           json={"backdated": True})
    assert response.status_code == 200, response.text
    return response.json()


def the_registry(client, tokens) -> dict:
    """An open notice with the seed page's roster (organisations and credential numbers) and an
    article, a closed one of 2024, a scheduled one, and a withdrawn one with 张昕怡 and 赵欣然."""
    article = client.post("/api/v1/articles", token=tokens["editor"], json={
        "title": "广东力争2025年超高清视频产业收入破万亿元", "kind": "policy",
        "published_on": "2024-01-26", "region": "广东", "byline": "记者 卢梦琪",
        "body": "日前，广东省印发行动计划。\n\n超高清视频产业主要包括设备制造、节目制作。"}).json()
    article = publish_article(client, tokens, article["id"])  # a notice stands beside these
    roster = ["刘东", "胡春民", "连晓东", "诸玲珍", "张心怡", "徐恒", "吴丽琳", "李玉峰",
              "邱江勇", "王伟", "赵晨", "赵旭", "卢梦琪", "宋倩", "谷月", "沈丛", "许子皓",
              "姬晓婷", "杨鹏岳", "张维佳", "史晨", "刘晶"]
    body = ("根据国家新闻出版署要求，现将通过人员名单进行公示，接受社会各界监督，"
            "举报电话为：010-83138953，010-64081702。\n\n中国电子报\n\n2024年1月26日")
    organizations = ["中国电子报社", "中国电子报社北京记者站", "中国电子报社广东记者站"]
    detailed = [{"name": name, "organization": organizations[index % 3],
                 "credential_no": f"B110{index:02d}00{index * 37 % 10000:04d}"}
                for index, name in enumerate(roster)]
    open_notice = publish_notice(
        client, tokens, title="《中国电子报》通过2024年度新闻记者证核验人员名单公示",
        roster=detailed, start=today() - timedelta(days=1), end=today() + timedelta(days=9),
        article_ids=[article["id"]], body=body)
    publish_notice(client, tokens, title="《中国电子报》通过2023年度新闻记者证核验人员名单公示",
                   roster=roster[:5], start=date(2024, 1, 26), end=date(2024, 2, 5), body=body)
    scheduled = publish_notice(client, tokens, title="某杂志社新闻记者证核验人员名单公示",
                               roster=["王小明"], start=today() + timedelta(days=3),
                               end=today() + timedelta(days=12))
    withdrawn = publish_notice(client, tokens, title="某报社新闻记者证核验人员名单公示",
                               roster=["张昕怡", "赵欣然"], start=today(),
                               end=today() + timedelta(days=5))
    client.post(f"/api/v1/notices/{withdrawn['id']}/withdraw", token=tokens["publisher"],
                json={"reason": "名单有误，将重新公示"})
    return {"open": open_notice, "article": article, "withdrawn": withdrawn,
            "scheduled": scheduled}


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
    assert "张昕怡" in homophone.inner_text() and "名单有误，将重新公示" in homophone.inner_text()
    assert not_overflowing(page)
    screenshot(page, "check-result")

    match.get_by_role("link", name=registry["open"]["title"]).click()
    page.wait_for_url(f"**/notices/{registry['open']['id']}?q=*")
    assert page.locator("#roster .roster-name").all_inner_texts() == ["张心怡"]
    assert page.problems == []


def test_notice_page_finds_a_name_in_the_roster(client, tokens, pages):
    registry = the_registry(client, tokens)
    for viewport in WIDTHS:
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
    assert "拼音相同" in page.locator("li.match").first.inner_text()


def test_keyboard_focus_is_visible(client, tokens, pages):
    the_registry(client, tokens)
    page = pages(DESKTOP)
    page.goto(client.base_url + "/")
    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.textContent") == "跳到正文"
    page.keyboard.press("Tab")
    outline = page.evaluate("getComputedStyle(document.activeElement).outlineStyle")
    assert outline == "solid"


# What the reader checks, and the verdict each must see first.
VERDICTS = [
    ("listed", "张心怡", "verdict-listed", "「张心怡」在已发布的公示名单上"),
    ("variant", "張心怡", "verdict-listed", "「張心怡」在已发布的公示名单上"),
    ("similar", "张欣怡", "verdict-similar_only",
     "名单上没有与「张欣怡」完全一致的姓名；有 3 条读音相同的记录，可能不是同一人。"),
    ("pinyin", "zhang xinyi", "verdict-similar_only", "名单上有 3 条拼音为「zhang xinyi」的记录。"),
    ("withdrawn", "赵欣然", "verdict-withdrawn_only", "「赵欣然」只出现在已撤回的公示名单上"),
    ("none", "李四", "verdict-not_found", "已发布的公示名单中没有「李四」。"),
]

PAGES = [
    ("home", "/"),
    ("check-empty", "/check"),
    *[(f"check-{key}", "/check?name=" + quote(name)) for key, name, _, _ in VERDICTS],
    ("check-invalid", "/check?name=%20"),
    ("notice-open", "/notices/{open}"),
    ("notice-filtered", "/notices/{open}?q=zhang#roster"),
    ("notice-scheduled", "/notices/{scheduled}"),
    ("notice-withdrawn", "/notices/{withdrawn}"),
    ("article", "/articles/{article}"),
    ("articles-search", "/articles?q=%E8%B6%85%E9%AB%98%E6%B8%85"),
    ("not-found", "/no-such-page"),
    ("article-not-found", "/articles/999"),
]


@pytest.mark.parametrize("viewport", WIDTHS, ids=lambda v: str(v["width"]))
def test_every_page_passes_axe_and_fits_the_screen(client, tokens, pages, viewport):
    registry = the_registry(client, tokens)
    ids = {key: registry[key]["id"] for key in ("open", "withdrawn", "scheduled", "article")}
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


@pytest.mark.parametrize("viewport", WIDTHS, ids=lambda v: str(v["width"]))
@pytest.mark.parametrize("key, name, verdict, sentence", VERDICTS, ids=[v[0] for v in VERDICTS])
def test_the_reader_sees_the_verdict_first(client, tokens, pages, viewport, key, name, verdict,
                                          sentence):
    the_registry(client, tokens)
    page = pages(viewport)
    page.goto(client.base_url + "/check?name=" + quote(name))
    box = page.locator(".verdict")
    assert verdict in box.get_attribute("class").split()
    assert box.locator(".verdict-sentence").inner_text().startswith(sentence)
    # On the first screen, above every match.
    top = box.bounding_box()["y"]
    assert top + box.bounding_box()["height"] / 2 < viewport["height"]
    cards = page.locator("li.match")
    if cards.count():
        assert top < cards.first.bounding_box()["y"]
    screenshot(page, f"verdict-{key}")
    assert page.problems == []


LINES_OF = """(selector) => [...document.querySelectorAll(selector)].map(element => {
    const range = document.createRange();
    range.selectNodeContents(element);
    return new Set([...range.getClientRects()].map(rect => Math.round(rect.top))).size;
})"""


@pytest.mark.parametrize("viewport", WIDTHS, ids=lambda v: str(v["width"]))
def test_roster_never_splits_a_number_a_name_or_a_header(client, tokens, pages, viewport):
    registry = the_registry(client, tokens)
    page = pages(viewport)
    page.goto(f"{client.base_url}/notices/{registry['open']['id']}")
    assert page.locator("#roster .roster-name").count() == 22
    for selector in ("#roster .credential", "#roster .roster-position", "#roster .roster-name"):
        lines = page.evaluate(LINES_OF, selector)
        assert lines and set(lines) == {1}, selector
    if viewport is DESKTOP:
        assert set(page.evaluate(LINES_OF, "#roster thead th")) == {1}
    else:  # cards: the organisation and the number each on a line of their own, labelled
        row = page.locator("#roster tbody tr").first
        tops = [row.locator(cell).bounding_box()["y"]
                for cell in (".roster-name", ".organization", ".credential")]
        assert tops == sorted(tops) and len(set(tops)) == 3
        labels = page.evaluate("""[...document.querySelectorAll('#roster tbody tr:first-child td')]
            .map(cell => getComputedStyle(cell, '::before').content)""")
        assert labels[1:] == ['"单位"', '"证号后 4 位"'], labels
    assert not_overflowing(page)
    screenshot(page, "roster")


def test_api_docs_render_with_every_other_host_blocked(client, pages):
    elsewhere = []

    def only_this_service(route):
        if urlsplit(route.request.url).hostname in ("127.0.0.1", "localhost"):
            route.continue_()
        else:
            elsewhere.append(route.request.url)
            route.abort()

    for viewport in (PHONE, DESKTOP):
        page = pages(viewport)
        page.route("**/*", only_this_service)
        page.goto(client.base_url + "/docs")
        page.wait_for_selector(".opblock", timeout=20_000)
        assert page.locator(".opblock").count() > 10
        assert page.get_by_text("/api/v1/names", exact=True).count() == 1
        screenshot(page, "docs")
        assert page.problems == []  # a CSP refusal would be a console error
    assert elsewhere == []
