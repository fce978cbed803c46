"""Chinese wording for the pages: dates, windows in words, verdicts and the text of notices."""

import math
import re
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

STATUS_LABELS = {"open": "公示中", "scheduled": "尚未开始", "closed": "已结束",
                 "withdrawn": "已撤回"}


MATCH_LABELS = {"exact": "完全一致", "variant": "繁简或写法不同", "pinyin": "同音"}


TYPED_PINYIN_LABEL = "拼音相同"


MATCH_EXPLANATIONS = {
    "exact": "名单上的姓名与您输入的完全相同（全角、半角和空格的差别不计）。",
    "variant": "只是繁体与简体不同，或间隔号“·”的写法不同，按同一个姓名看待。",
    "pinyin": "读音相同（不计声调）：输入汉字时，是汉字不同、读音相同的姓名，可能不是同一个人；"
              "输入拼音时，是读作这个拼音的姓名，请核对汉字。",
}


EXPLAINED = {"match_labels": MATCH_LABELS, "match_explanations": MATCH_EXPLANATIONS}


KIND_LABELS = {"meeting": "会议", "policy": "政策", "news": "新闻"}


ZONE_LABELS = {"Asia/Shanghai": "北京时间"}


SIGNATURE_DATE = re.compile(r"\d{4}\s*年\s*\d{1,2}\s*月\s*\d{1,2}\s*日")


def cn_date(day: date) -> str:
    return f"{day.year}年{day.month}月{day.day}日"


def cn_local_date(moment: datetime, timezone: str) -> str:
    """The day `moment` falls on where the notice is issued."""
    return cn_date(moment.astimezone(ZoneInfo(timezone)).date())


def article_view(item: dict) -> dict:
    """An article's fields with its kind and date as printed."""
    return {**item, "kind_label": KIND_LABELS.get(item["kind"], item["kind"]),
            "published_on_text": cn_date(item["published_on"])}


def cn_datetime(moment: datetime) -> str:
    return f"{cn_date(moment.date())} {moment:%H:%M}"


CORRECTED_FIELD_LABELS = {"title": "标题", "category": "类别", "issuer": "发布单位",
                          "issued_on": "发布日期", "body": "正文", "window": "公示期",
                          "contacts": "举报电话", "article_ids": "相关文章"}


def correction_view(correction: dict, timezone: str) -> dict:
    """One correction as the notice page lists it: when (local date), why, and each field's
    earlier and new value in words (the body, too long to repeat, is only named)."""

    def words(field: str, value) -> str:
        if value in (None, [], ""):
            return "（无）"
        if field == "contacts":
            return "；".join(f"{c['label']} {c['number']}" for c in value)
        if field == "article_ids":
            return "、".join(f"第 {article_id} 篇" for article_id in value)
        if field == "issued_on":
            return cn_date(date.fromisoformat(value))
        if field == "window":
            start, end = (date.fromisoformat(value[key]) for key in ("start", "end"))
            return f"{cn_date(start)}至{cn_date(end)}"
        return str(value)

    return {
        "on": cn_local_date(correction["at"], timezone),
        "reason": correction["reason"],
        "changes": [{"label": CORRECTED_FIELD_LABELS[field],
                     "before": None if field == "body" else words(field, change["before"]),
                     "after": None if field == "body" else words(field, change["after"])}
                    for field, change in correction["changes"].items()],
    }


def window_view(window: dict | None, status: str, now: datetime) -> dict | None:
    """The window in words: dates (with times when it does not span whole days) and a countdown."""
    if window is None:
        return None
    opens_at = datetime.fromisoformat(window["opens_at"])
    closes_at = datetime.fromisoformat(window["closes_at"])
    start, end = date.fromisoformat(window["start"]), date.fromisoformat(window["end"])
    if window["is_whole_days"]:
        starts_text, ends_text = cn_date(start), cn_date(end)
    else:
        zone = ZoneInfo(window["timezone"])
        label = ZONE_LABELS.get(window["timezone"], window["timezone"])
        starts_text = cn_datetime(opens_at.astimezone(zone))
        ends_text = f"{cn_datetime(closes_at.astimezone(zone))}（{label}）"
    closed_text = None
    if status == "open":
        days = max(1, math.ceil((closes_at - now) / timedelta(days=1)))
        countdown = f"距公示结束还有 {days} 天"
    elif status == "scheduled":
        countdown = f"公示尚未开始，{starts_in(opens_at, now, window['timezone'])}"
    elif status == "withdrawn":
        countdown = "公示已撤回"
    else:
        ago = time_ago(end, now.astimezone(ZoneInfo(window["timezone"])).date())
        countdown = f"公示已结束（{ago}）"
        closed_text = f"{end.year}年已结束的公示（{ago}结束）"
    basis = window.get("working_days_basis", "official")
    working_days = f"共 {window['working_days']} 个工作日"
    if basis != "official":
        working_days += "（部分日期按周一至周五估算）"
    return {"text": f"{starts_text} 至 {ends_text}", "starts_text": starts_text,
            "ends_text": ends_text, "countdown": countdown, "closed_text": closed_text,
            "working_days": working_days}


def starts_in(opens_at: datetime, now: datetime, timezone: str) -> str:
    """When a scheduled window opens, counted in the notice's calendar days: "3 天后开始"."""
    zone = ZoneInfo(timezone)
    local = opens_at.astimezone(zone)
    days = (local.date() - now.astimezone(zone).date()).days
    return f"{days} 天后开始" if days > 0 else f"今天 {local:%H:%M} 开始"


def time_ago(day: date, today: date) -> str:
    """How long ago `day` was, in the largest whole unit: "2 年前", "3 个月前", "5 天前"."""
    months = (today.year - day.year) * 12 + today.month - day.month - (today.day < day.day)
    if months >= 12:
        return f"{months // 12} 年前"
    if months >= 1:
        return f"{months} 个月前"
    days = (today - day).days
    return f"{days} 天前" if days > 0 else "今天"


def notice_view(item: dict, now: datetime) -> dict:
    """A presented notice (presentation.present, or a name match's notice) for the templates."""
    issued_on = item.get("issued_on")
    return {
        **item,
        "status_label": STATUS_LABELS.get(item["status"], item["status"]),
        "window_view": window_view(item.get("window"), item["status"], now),
        "issued_on_text": cn_date(issued_on) if issued_on else None,
    }


def paragraphs(text: str, contacts: list[dict] = (), signatures: tuple[str, ...] = ()
               ) -> list[dict]:
    """Paragraphs of `text`, each {"parts": [(text, contact)], "is_signature"}: the report numbers
    become links, and a line that is only the issuer or a date is set as a printed signature."""
    numbers = sorted({c["number"]: c for c in contacts}.items(), key=lambda kv: -len(kv[0]))
    pattern = re.compile("|".join(re.escape(n) for n, _ in numbers)) if numbers else None
    by_number = dict(numbers)
    result = []
    for line in (text or "").splitlines():
        line = line.strip()
        if not line:
            continue
        is_signature = line in signatures or SIGNATURE_DATE.fullmatch(line) is not None
        if pattern is None:
            result.append({"parts": [(line, None)], "is_signature": is_signature})
            continue
        parts, position = [], 0
        for found in pattern.finditer(line):
            if found.start() > position:
                parts.append((line[position:found.start()], None))
            parts.append((found.group(), by_number[found.group()]))
            position = found.end()
        if position < len(line):
            parts.append((line[position:], None))
        result.append({"parts": parts, "is_signature": is_signature})
    return result


def excerpt(text: str, length: int = 90) -> str:
    """The first paragraph of `text`, cut to `length` characters."""
    first = next((line.strip() for line in (text or "").splitlines() if line.strip()), "")
    return first if len(first) <= length else first[:length] + "…"


def verdict_view(result: dict, typed_pinyin: bool) -> dict:
    """The answer in plain Chinese, to lead the page: a sentence, and what else to know."""
    query, matches, verdict = result["query"], result["matches"], result["verdict"]
    same_name = [m for m in matches if m["match"] != "pinyin"]
    withdrawn = [m for m in same_name if m["notice"]["status"] == "withdrawn"]
    sounds = len(matches) - len(same_name)
    notes = []
    if verdict == "listed":
        live = [m for m in same_name if m["notice"]["status"] != "withdrawn"]
        # Notices, not entries: one roster may list two people of one name.
        by_status = {status: len({m["notice"]["id"] for m in live
                                  if m["notice"]["status"] == status})
                     for status in ("open", "scheduled", "closed")}
        parts = [f"{count} 份{text}" for status, text in (
            ("open", "正在公示"), ("scheduled", "尚未开始"), ("closed", "已经结束"))
            if (count := by_status[status])]
        sentence = f"「{query}」在已发布的公示名单上：{'，'.join(parts)}。"
        if not by_status["open"]:
            notes.append("这些公示都不在公示期内，请留意下方每份公示的时间。")
        notes.append("同名的人很多：请把下方记录的单位、证件号后 4 位与对方的证件对照。")
        if withdrawn:
            notes.append(f"另有 {len({m['notice']['id'] for m in withdrawn})} 份已撤回的公示"
                         "也列有这个姓名。")
    elif verdict == "withdrawn_only":
        sentence = f"「{query}」只出现在已撤回的公示名单上，不能据此确认身份。"
        notes.append("撤回原因见下方记录。如有疑问，请向发布单位核实。")
    elif verdict == "similar_only" and typed_pinyin:
        sentence = f"名单上有 {sounds} 条拼音为「{query}」的记录。"
        notes.append("同一拼音可能是不同的汉字、不同的人："
                     "请核对对方姓名的汉字、单位和证件号后 4 位。")
    elif verdict == "similar_only":
        sentence = (f"名单上没有与「{query}」完全一致的姓名；有 {sounds} 条读音相同的记录，"
                    "可能不是同一人。")
        notes.append("请核对汉字是否一致，以及单位和证件号后 4 位。")
    else:
        sentence = f"已发布的公示名单中没有「{query}」。"
        notes.append("也没有拼音相同的姓名。" if typed_pinyin
                     else "也没有繁简写法不同或同音的姓名。")
        notes.append("本站只核对已经发布的公示。没有找到不一定说明对方身份有问题：可能姓名写法不同，"
                     "或对方所在单位的名单不在本站。如有疑问，请向对方单位或有关公示所列的举报电话核实。")
    if sounds and verdict in ("listed", "withdrawn_only"):
        notes.append(f"另有 {sounds} 条读音相同的记录，可能不是同一人。")
    return {"verdict": verdict, "sentence": sentence, "notes": notes}


def match_explanation(match: dict, query: str, typed_pinyin: bool) -> str:
    """Why this entry matched, in the terms of what was typed."""
    name = match["name"]
    if match["match"] == "exact":
        return MATCH_EXPLANATIONS["exact"]
    if match["match"] == "variant":
        return f"与您输入的「{query}」只是繁简或间隔号写法不同，按同一个姓名看待。"
    if typed_pinyin:
        return f"「{name}」的拼音与您输入的相同（不计声调）：请核对汉字是否一致。"
    return f"名单上是「{name}」，与您输入的「{query}」读音相同、汉字不同：可能不是同一个人。"


def wait_text(seconds: int) -> str:
    """A wait in words: "30 秒", "2 分钟" (rounded up, so waiting that long is enough)."""
    return f"{seconds} 秒" if seconds < 60 else f"{math.ceil(seconds / 60)} 分钟"

