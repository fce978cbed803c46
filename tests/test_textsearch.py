"""Tests for service.domain.textsearch, with real SQLite FTS5 and PostgreSQL full-text search."""

import os
import re
import sqlite3

import psycopg2
import pytest

from service.domain.textsearch import (
    fts5_match,
    index_tokens,
    phrase_lexemes,
    postgres_terms,
    query_tokens,
    snippet,
    tsquery,
)

# Sentences from seeds/data/articles.json, plus two made up for the 超X高 case.
ROWS = {
    1: "超高清视频产业主要包括设备制造、节目制作、传输服务、行业应用等领域和环节。",
    2: "前端摄录设备、核心芯片、新型显示等关键环节取得突破",
    3: "2024年是江西全面实施“1269”行动计划的第一个完整年。",
    4: "加快推动AVS2、AVS3、DRA等国家标准的研发应用",
    5: "支持广东广播电视台再增加1个频道采取4K超高清方式播出",
    6: "支持企业和科研机构加快超高清视频SoC芯片、数据传输芯片",
    7: "要锻造坚强有力的基层党组织",
    8: "超过高度",
    9: "超 高",
}

EXPECTED = {
    "超": {1, 5, 6, 8, 9},
    "芯": {2, 6},
    "芯片": {2, 6},
    "超高": {1, 5, 6},
    "高清": {1, 5, 6},
    "过高": {8},
    "超高清": {1, 5, 6},
    "党组织": {7},
    "超高清视频": {1, 6},
    "核心芯片": {2},
    "制造节目": set(),
    "制造、节目": {1},
    "超高清 芯片": {6},
    "AVS3": {4},
    "avs3": {4},
    "ＡＶＳ３": {4},
    "AVS": set(),
    "avs2 avs3": {4},
    "4K": {5},
    "4k超高清": {5},
    "1269": {3},
    "126": set(),
    "SoC芯片": {6},
    "江西 1269": {3},
    "2024年": {3},
    "全面实施": {3},
    "清视频产业": {1},
    "超高清视频产业": {1},
    "视频产业发展": set(),
    "新型显示等关键": {2},
    "高清视频SoC": {6},
    "设备制造、节目制作": {1},
    "造节目制": set(),
}

# Hostile queries and the rows they find: operators and quotes are plain text.
HOSTILE = {
    "": set(),
    "   ": set(),
    '"': set(),
    "'": set(),
    "\\": set(),
    "*": set(),
    "AND": set(),
    "NEAR(": set(),
    "超高 OR 芯片": set(),
    "NEAR(超高 芯片, 2)": set(),
    '"超高" AND NOT 芯片*': set(),
    "^超高": {1, 5, 6},
    "tokens:超": set(),
    "-超 +高 (": {1, 5, 6, 8, 9},
    ")": set(),
    "'; DROP TABLE t; --": set(),
    "a\\'b\"c": set(),
    "\x00": set(),
    "🎉": set(),
    "超🎉高": {1, 5, 6, 8, 9},
    "超高清" * 1000: set(),
    "x" * 3000: set(),
    "a " * 1500: set(),
}

CJK = re.compile("[\u3400-\u9fff\u3040-\u30ff\uac00-\ud7a3\U00020000-\U000323af]+")


def _is_safe_token(token: str) -> bool:
    return bool(re.fullmatch("[0-9a-z]+", token) or CJK.fullmatch(token))


def test_index_tokens_emit_2_3_4_gram_lanes_then_the_unigram_lane_per_cjk_run():
    assert index_tokens("超高清") == "超高 高清 超高清 超 高 清"
    assert index_tokens("超高清视频") == (
        "超高 高清 清视 视频 超高清 高清视 清视频 超高清视 高清视频 超 高 清 视 频")
    assert index_tokens("超高。高清") == "超高 超 高 高清 高 清"


def test_index_tokens_keeps_a_single_cjk_character_once():
    assert index_tokens("芯") == "芯"


def test_index_tokens_keeps_latin_words_and_numbers_lower_cased_after_nfkc():
    assert index_tokens("AVS3、4K／1269 SoC") == "avs3 4k 1269 soc"
    assert index_tokens("ＡＶＳ３") == "avs3"
    assert index_tokens("“1269”行动") == "1269 行动 行 动"


def test_index_tokens_of_nothing_searchable_is_empty():
    assert index_tokens("") == ""
    assert index_tokens("，。！🎉 *\"'") == ""


def test_index_tokens_only_contain_latin_digits_and_cjk():
    for text in [*HOSTILE, *ROWS.values(), "ｶﾞ・ア゛ー한국어 é ß 𠀀 \U000323ff"]:
        tokens = index_tokens(text).split(" ")
        assert all(_is_safe_token(token) for token in tokens if token), text


def test_query_tokens_one_cjk_character_is_its_unigram():
    assert query_tokens("超") == ["超"]


def test_query_tokens_up_to_four_cjk_characters_are_one_token():
    assert query_tokens("芯片") == ["芯片"]
    assert query_tokens("超高清") == ["超高清"]
    assert query_tokens("集成电路") == ["集成电路"]


def test_query_tokens_five_or_more_cjk_characters_are_their_4_grams():
    assert query_tokens("超高清视频") == ["超高清视", "高清视频"]
    assert query_tokens("超高清视频产业") == ["超高清视", "高清视频", "清视频产", "视频产业"]


def test_query_tokens_keep_latin_words_and_drop_punctuation():
    assert query_tokens("AVS3 4K") == ["avs3", "4k"]
    assert query_tokens('"AND" NEAR( * ^') == ["and", "near"]


def test_query_tokens_empty_when_nothing_is_searchable():
    for query in ["", "   ", '"', "'", "*", "\\", "(", "🎉", "，。"]:
        assert query_tokens(query) == [], query


def test_query_tokens_of_any_part_of_a_run_are_consecutive_in_its_index_tokens():
    run = "超高清视频产业"
    document = f" {index_tokens(run)} "
    for start in range(len(run)):
        for end in range(start + 1, len(run) + 1):
            assert f" {' '.join(query_tokens(run[start:end]))} " in document, run[start:end]


def test_a_phrase_lexeme_is_there_exactly_when_its_4_grams_are_consecutive_in_the_index():
    # PostgreSQL looks a run of 5 to 8 CJK characters up as one lexeme of the phrase vector; it
    # must find what the phrase of its 4-grams finds in the index tokens (SQLite's way), up to
    # the indexed bound, and no piece that crosses from one run into another (nor Latin words
    # that overlap as 4-grams do).
    past_the_bound = "".join(chr(0x4E00 + i * 7919 % 20000) for i in range(4000))
    texts = (ROWS[1], "超高清视频。超高清 视频产业，超高清视频产业 abcd bcde cdef",
             past_the_bound + "，超高清视频产业")
    for text in texts:
        lexemes, document = set(phrase_lexemes("", index_tokens(text))), f" {index_tokens(text)} "
        pieces = {text[i:i + n] for n in range(5, 9) for i in range(len(text) - n + 1)}
        for piece in pieces:
            in_index = f" {' '.join(query_tokens(piece))} " in document
            if re.fullmatch("[\u4e00-\u9fff]+", piece):
                assert (piece in lexemes) == in_index, piece
            else:
                assert piece not in lexemes
        assert lexemes <= pieces


def test_phrase_lexemes_mark_the_titles_pieces_again():
    lexemes = phrase_lexemes(index_tokens("超高清视频"), index_tokens("集成电路产业"))
    assert lexemes == sorted(
        ["超高清视频", "^超高清视频", "集成电路产", "成电路产业", "集成电路产业"])


def test_postgres_terms_are_the_runs_of_5_to_8_cjk_characters_and_the_groups_of_the_rest():
    assert postgres_terms("超高清视频 4K 集成电路 超高清视频产业规模") == (
        ["超高清视频"],
        [["4k"], ["集成电路"],
         ["超高清视", "高清视频", "清视频产", "视频产业", "频产业规", "产业规模"]])


def test_fts5_match_quotes_each_phrase_and_ands_them():
    assert fts5_match("超高清视频 4K") == '"超高清视 高清视频" AND "4k"'
    assert fts5_match("超") == '"超"'


def test_fts5_match_turns_operators_into_words():
    assert fts5_match('超高 OR NEAR(芯片*) "') == '"超高" AND "or" AND "near" AND "芯片"'


def test_fts5_match_is_none_without_tokens():
    assert fts5_match("") is None
    assert fts5_match('" * ( ) ^') is None


def test_tsquery_joins_phrases_with_followed_by_and_words_with_and():
    assert tsquery("超高清视频 4K") == "('超高清视' <-> '高清视频') & ('4k')"
    assert tsquery("超") == "('超')"


def test_tsquery_turns_operators_into_words():
    assert tsquery("a & b | !c <-> 'd'") == "('a') & ('b') & ('c') & ('d')"


def test_tsquery_is_none_without_tokens():
    assert tsquery("") is None
    assert tsquery("'\\!&|<->()") is None


def test_fts5_match_and_tsquery_quote_every_hostile_query():
    for query in HOSTILE:
        assert all(_is_safe_token(token) for token in query_tokens(query)), query
        match, ts = fts5_match(query), tsquery(query)
        assert (match is None) == (ts is None) == (query_tokens(query) == [])


TEXT = (
    "本报讯 记者卢梦琪报道：日前，广东省工业和信息化厅、发展和改革委员会、科学技术厅、"
    "广播电视局、通信管理局联合印发了《广东省发展超高清视频战略性新兴产业集群加快建设"
    "超高清视频产业发展试验区行动计划（2023—2025年）》"
)


def test_snippet_cuts_around_the_first_hit_with_ellipses_and_marks():
    result = snippet(TEXT, "超高清", width=50)
    assert result.startswith("…") and result.endswith("…")
    assert result.count("<mark>超高清</mark>") == 2
    assert len(result.replace("<mark>", "").replace("</mark>", "")) == 52


def test_snippet_marks_every_query_part_inside_the_excerpt():
    result = snippet(TEXT, "视频 超高清", width=30)
    assert "<mark>超高清</mark><mark>视频</mark>" in result


def test_snippet_merges_overlapping_hits_into_one_mark():
    assert snippet("超超超", "超超") == "<mark>超超超</mark>"


def test_snippet_starts_at_the_first_part_that_occurs_in_the_text():
    result = snippet(TEXT, "试验区 本报讯", width=20)
    assert result.startswith("<mark>本报讯</mark>")


def test_snippet_matches_case_insensitively_after_nfkc_and_keeps_the_original_text():
    assert snippet("推动ＡＶＳ３标准", "avs3") == "推动<mark>ＡＶＳ３</mark>标准"
    assert snippet("支持SoC芯片", "soc") == "支持<mark>SoC</mark>芯片"


def test_snippet_maps_hits_back_past_characters_that_normalize_to_several():
    # "㎏" is "kg" and "ﬁ" is "fi" after NFKC: the hits after them still mark the original text.
    assert snippet("每㎏，ﬁber芯片", "芯片") == "每㎏，ﬁber<mark>芯片</mark>"
    assert snippet("每㎏，ﬁber芯片", "fiber") == "每㎏，<mark>ﬁber</mark>芯片"


def test_snippet_marks_latin_words_only_as_whole_words():
    assert snippet("AVS3 and AVS", "avs") == "AVS3 and <mark>AVS</mark>"


def test_snippet_escapes_html():
    assert snippet("<b>4K</b> & 8K", "4k") == "&lt;b&gt;<mark>4K</mark>&lt;/b&gt; &amp; 8K"
    assert snippet('<script>"x"</script>', "script") == (
        "&lt;<mark>script</mark>&gt;&quot;x&quot;&lt;/<mark>script</mark>&gt;"
    )


def test_snippet_without_a_hit_is_the_start_of_the_text():
    assert snippet(TEXT, "芯片", width=10) == "本报讯 记者卢梦琪报…"
    assert snippet("a<b", "") == "a&lt;b"


def test_snippet_never_raises_on_hostile_queries():
    for query in HOSTILE:
        assert isinstance(snippet(TEXT, query), str)


def _sqlite_search(db: sqlite3.Connection, query: str) -> set[int]:
    match = fts5_match(query)
    if match is None:
        return set()
    return {row[0] for row in db.execute("SELECT rowid FROM t WHERE t MATCH ?", (match,))}


def test_sqlite_fts5_finds_exactly_the_matching_rows(tmp_path):
    db = sqlite3.connect(tmp_path / "search.db")
    db.execute("CREATE VIRTUAL TABLE t USING fts5(tokens, tokenize='unicode61')")
    db.executemany(
        "INSERT INTO t (rowid, tokens) VALUES (?, ?)",
        [(key, index_tokens(text)) for key, text in ROWS.items()],
    )
    assert {query: _sqlite_search(db, query) for query in EXPECTED} == EXPECTED
    assert {query: _sqlite_search(db, query) for query in HOSTILE} == HOSTILE
    db.close()


@pytest.fixture
def postgres():
    url = os.environ.get("TEST_POSTGRES_URL")
    if not url:
        if os.environ.get("CI") == "true":
            pytest.fail("CI must set TEST_POSTGRES_URL")
        pytest.skip("TEST_POSTGRES_URL not set")
    connection = psycopg2.connect(url)
    yield connection.cursor()
    connection.rollback()
    connection.close()


def _postgres_search(cursor, query: str) -> set[int]:
    ts = tsquery(query)
    if ts is None:
        return set()
    cursor.execute(
        "SELECT id FROM t WHERE to_tsvector('simple', tokens) @@ to_tsquery('simple', %s)", (ts,)
    )
    return {row[0] for row in cursor.fetchall()}


def test_postgres_full_text_finds_exactly_the_matching_rows(postgres):
    postgres.execute("CREATE TEMP TABLE t (id integer PRIMARY KEY, tokens text NOT NULL)")
    postgres.execute("CREATE INDEX t_tokens ON t USING gin (to_tsvector('simple', tokens))")
    postgres.executemany(
        "INSERT INTO t (id, tokens) VALUES (%s, %s)",
        [(key, index_tokens(text)) for key, text in ROWS.items()],
    )
    postgres.execute("ANALYZE t")
    assert {query: _postgres_search(postgres, query) for query in EXPECTED} == EXPECTED
    assert {query: _postgres_search(postgres, query) for query in HOSTILE} == HOSTILE


def test_postgres_search_can_use_the_gin_index(postgres):
    postgres.execute("CREATE TEMP TABLE t (id integer PRIMARY KEY, tokens text NOT NULL)")
    postgres.execute("CREATE INDEX t_tokens ON t USING gin (to_tsvector('simple', tokens))")
    postgres.execute("SET LOCAL enable_seqscan = off")
    postgres.execute(
        "EXPLAIN SELECT id FROM t WHERE to_tsvector('simple', tokens) @@ to_tsquery('simple', %s)",
        (tsquery("超高清"),),
    )
    plan = "\n".join(row[0] for row in postgres.fetchall())
    assert "t_tokens" in plan
