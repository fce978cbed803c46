"""Chinese-aware tokens for full-text search that behave the same on SQLite FTS5 and PostgreSQL."""

import html
import re
import unicodedata
from collections.abc import Sequence
from functools import lru_cache
from itertools import groupby

# Ideographs, kana, hangul and bopomofo (the ranges skip the kana marks and dots that both engines
# treat as punctuation).
_CJK_RANGES = re.compile(
    "[\u1100-\u11ff\u3005-\u3007\u3041-\u3096\u309d-\u309f\u30a1-\u30fa\u30fc-\u30ff"
    "\u3105-\u312f\u3131-\u318e\u31a0-\u31bf\u31f0-\u31ff\u3400-\u4dbf\u4e00-\u9fff"
    "\uac00-\ud7a3\uf900-\ufaff\U00020000-\U000323af]"
)
_LATIN = re.compile("[a-z0-9]")


def _kind(char: str) -> str | None:
    if _LATIN.match(char):
        return "latin"
    # PostgreSQL's parser treats unassigned code points as punctuation, so they must not be tokens.
    if _CJK_RANGES.match(char) and unicodedata.category(char) != "Cn":
        return "cjk"
    return None


def _normalize(text: str) -> str:
    return unicodedata.normalize("NFKC", text).lower()


@lru_cache(maxsize=8192)
def _normalize_char(char: str) -> str:
    return _normalize(char)


# Characters other than these (ASCII but A-Z, the main block of CJK ideographs, each its own
# normalization): only they are normalized, one by one; the rest of a text is left as it is, in C.
_NOT_THEMSELVES = re.compile(r"([^\x00-\x40\x5b-\x7f\u4e00-\u9fff])")


def _normalize_each(text: str) -> str:
    """The text with each character normalized on its own."""
    pieces = _NOT_THEMSELVES.split(text)  # the characters to normalize at the odd places
    pieces[1::2] = map(_normalize_char, pieces[1::2])
    return "".join(pieces)


def _runs(text: str) -> list[tuple[str, str]]:
    """(kind, run) for each maximal run of CJK characters or of [a-z0-9] in the normalized text."""
    return [
        (kind, "".join(chars))
        for kind, chars in groupby(_normalize(text), key=_kind)
        if kind is not None
    ]


# A CJK query of up to this many characters is one token of the index.
LONGEST_GRAM = 4
# The tokens indexed of one text (about 3,700 characters of Chinese, four tokens each). PostgreSQL
# keeps positions up to 16,383 in a vector, title and body together (a title is at most 800
# tokens), and a vector of at most 1 MB: past either limit its phrase matches would differ from
# SQLite's, or the article could not be indexed at all. Both databases index the same tokens.
INDEXED_TOKENS = 15_000


def _grams(run: str, n: int) -> list[str]:
    return [run[i : i + n] for i in range(len(run) - n + 1)]


def _query_runs(query: str) -> list[tuple[str, str]]:
    """The query's runs, each once: a run asked twice finds what it finds once."""
    return list(dict.fromkeys(_runs(query)))


# A query asks for every one of its runs, each an intersection of the index's lists: its cost
# grows with their number (66 common single characters: 0.5–0.9 s at 100,000 articles on SQLite,
# against 45 ms for one), so a query holds at most this many different runs.
MOST_TERMS = 8


def term_count(query: str) -> int:
    return len(_query_runs(query))


def _query_groups(query: str) -> list[list[str]]:
    """Per run of the query, the tokens that must occur as one phrase."""
    return [_run_groups(kind, run) for kind, run in _query_runs(query)]


def _run_groups(kind: str, run: str) -> list[str]:
    return _grams(run, LONGEST_GRAM) if kind == "cjk" and len(run) > LONGEST_GRAM else [run]


def index_tokens(text: str) -> str:
    tokens: list[str] = []
    for kind, run in _runs(text):
        room = INDEXED_TOKENS - len(tokens)
        if room <= 0:
            break
        # Lanes per CJK run: its 2-, 3- and 4-character grams, each lane in order, then its single
        # characters. A query of one to four characters is a single token, found without positions
        # (on PostgreSQL without reading the rows' vectors again); a longer one is the sequence of
        # its 4-grams, consecutive inside one run's 4-gram lane and unable to run on into another
        # run's, as tokens of other lengths lie between.
        if kind == "cjk" and len(run) > 1:
            # A run's lanes hold 4 tokens per character, less 6: one past the bound is cut to
            # the characters whose every lane fits, or its 2-grams alone would fill the bound
            # and no 4-gram (every query of 4 characters or more) nor single one be indexed.
            run = run[: (room + 6) // 4]
            for n in range(2, LONGEST_GRAM + 1):
                tokens += _grams(run, n)
            tokens += run
        else:
            tokens.append(run)
    return " ".join(tokens[:INDEXED_TOKENS])  # a run cut to 2 characters is 3 tokens, not 2


# PostgreSQL's full-text index holds no positions: a phrase of 4-grams is checked against each
# candidate's stored vector (35 µs a row; 2.4 s for 业同比增长, in tens of thousands of articles at
# 100,000). So there a CJK run of 5 to LONGEST_PHRASE characters is one lexeme of a second
# vector, `phrase_vector` (migration 13): each piece of that length that consecutive 4-grams of
# the index tokens spell (what SQLite's phrase finds), and a title's pieces again behind
# TITLE_MARK; found through its index alone. Longer runs stay phrases of 4-grams. SQLite's index
# holds positions and needs no such vector.
LONGEST_PHRASE = 8
TITLE_MARK = "^"


def _spelled_by_4_grams(tokens: str) -> list[str]:
    """The texts that runs of consecutive index tokens spell, each a CJK 4-gram overlapping the
    one before it by three characters (a run's 4-gram lane)."""
    spelled, run, last = [], "", ""
    for token in tokens.split(" "):
        if len(token) != LONGEST_GRAM or _kind(token[0]) != "cjk":
            token = ""
        if run and token and last[1:] == token[:-1]:
            run += token[-1]
        else:
            spelled.append(run)
            run = token
        last = token
    return [text for text in (*spelled, run) if text]


def phrase_lexemes(title_tokens: str, body_tokens: str) -> list[str]:
    """The lexemes of an article's phrase vector, from its index tokens."""
    def pieces(tokens: str) -> set[str]:
        return {piece for spelled in _spelled_by_4_grams(tokens)
                for n in range(LONGEST_GRAM + 1, LONGEST_PHRASE + 1)
                for piece in _grams(spelled, n)}

    in_title = pieces(title_tokens)
    return sorted(in_title | pieces(body_tokens) | {TITLE_MARK + piece for piece in in_title})


def postgres_terms(query: str) -> tuple[list[str], list[list[str]]]:
    """(phrases, groups): the query's runs that are lexemes of the phrase vector, and the token
    groups of the others, for PostgreSQL."""
    phrases, groups = [], []
    for kind, run in _query_runs(query):
        if kind == "cjk" and LONGEST_GRAM < len(run) <= LONGEST_PHRASE:
            phrases.append(run)
        else:
            groups.append(_run_groups(kind, run))
    return phrases, groups


def query_tokens(query: str) -> list[str]:
    return [token for group in _query_groups(query) for token in group]


def fts5_match(query: str) -> str | None:
    """An FTS5 MATCH expression."""
    groups = _query_groups(query)
    if not groups:
        return None
    phrases = ['"' + " ".join(group).replace('"', '""') + '"' for group in groups]
    return " AND ".join(phrases)


def _tsquery_operand(token: str, weight: str | None) -> str:
    quoted = "'" + token.replace("\\", "\\\\").replace("'", "''") + "'"
    return f"{quoted}:{weight}" if weight else quoted


def tsquery(query: str, weight: str | None = None) -> str | None:
    """to_tsquery('simple', …) text: each run of the query a phrase of its tokens; with
    `weight`, every token must occur with that weight."""
    groups = _query_groups(query)
    return groups_tsquery(groups, weight) if groups else None


def groups_tsquery(groups: list[list[str]], weight: str | None = None) -> str:
    """tsquery's text of token groups (as postgres_terms gives them)."""
    phrases = ["(" + " <-> ".join(_tsquery_operand(t, weight) for t in group) + ")"
               for group in groups]
    return " & ".join(phrases)


def phrase_tsquery(phrases: list[str], *, in_title: bool = False) -> str:
    """tsquery text (cast, not parsed) finding the phrases (postgres_terms) in a phrase
    vector: anywhere, or `in_title`."""
    mark = TITLE_MARK if in_title else ""
    return " & ".join(_tsquery_operand(mark + phrase, None) for phrase in phrases)


def snippet(text: str, query: str, width: int = 60) -> str:
    # Search a per-character normalization of the text so that every hit maps back to the original.
    haystack = _normalize_each(text)
    origin: Sequence[int] = range(len(text))  # as long as no character became several
    if len(haystack) != len(text):
        origin = [index for index, char in enumerate(text) for _ in _normalize_char(char)]

    hits: list[tuple[int, int]] = []
    for kind, run in _query_runs(query):
        # Latin words match whole words only, as in the index; the lookahead finds overlapping hits.
        term = re.escape(run) if kind == "cjk" else rf"(?<![a-z0-9]){run}(?![a-z0-9])"
        for found in re.finditer(f"(?=({term}))", haystack):
            hits.append((origin[found.start(1)], origin[found.end(1) - 1] + 1))
    hits.sort()

    if hits:
        first_start, first_end = hits[0]
        margin = max(0, width - (first_end - first_start)) // 2
        start = max(0, min(first_start - margin, len(text) - width))
        end = max(first_end, min(len(text), start + width))
    else:
        start, end = 0, min(len(text), width)

    marks: list[list[int]] = []
    for hit_start, hit_end in hits:
        if hit_start < start or hit_end > end:
            continue
        if marks and hit_start < marks[-1][1]:
            marks[-1][1] = max(marks[-1][1], hit_end)
        else:
            marks.append([hit_start, hit_end])

    parts = ["…"] if start > 0 else []
    position = start
    for mark_start, mark_end in marks:
        parts.append(html.escape(text[position:mark_start]))
        parts.append("<mark>" + html.escape(text[mark_start:mark_end]) + "</mark>")
        position = mark_end
    parts.append(html.escape(text[position:end]))
    if end < len(text):
        parts.append("…")
    return "".join(parts)
