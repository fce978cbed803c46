"""Match keys for roster names: exact, variant (dots, traditional script) and toneless pinyin."""

import functools
import os
import string
import unicodedata
from functools import lru_cache

# Names are read one character at a time (_romanize), so pypinyin's phrase dictionary is never
# used: not loading it saves 44 MB per process. It must be set before pypinyin is first imported.
os.environ.setdefault("PYPINYIN_NO_PHRASES", "1")

from opencc import OpenCC  # noqa: E402
from pypinyin import Style, lazy_pinyin, pinyin  # noqa: E402

from service.domain.names import clean_name  # noqa: E402

# U+00B7, U+2022, U+2027, U+30FB, U+FF65, U+0387, U+FF0E, "." -> U+00B7 before NFKC
DOT_VARIANTS = "·•‧・･·．."
MAX_PINYIN_KEYS = 16

# Surname readings people use where pypinyin's default reading is wrong or incomplete.
SURNAMES: dict[str, tuple[str, ...]] = {
    "尉迟": ("yuchi",),
    "单于": ("chanyu",),
    "万俟": ("moqi",),
    "长孙": ("zhangsun",),
    "令狐": ("linghu",),
    "澹台": ("tantai",),
    "单": ("shan", "dan"),
    "曾": ("zeng", "ceng"),
    "区": ("ou", "qu"),
    "解": ("xie", "jie"),
    "仇": ("qiu", "chou"),
    "朴": ("piao", "pu"),
    "查": ("zha", "cha"),
    "盖": ("ge", "gai"),
    "翟": ("zhai", "di"),
    "乐": ("yue", "le"),
    "缪": ("miao", "mou"),
    "覃": ("qin", "tan"),
    "召": ("shao", "zhao"),
    "员": ("yun", "yuan"),
    "秘": ("bi", "mi"),
    "种": ("chong", "zhong"),
    "繁": ("po", "fan"),
    "纪": ("ji",),
    "能": ("nai", "neng"),
    "那": ("na", "nuo"),
}

_T2S = OpenCC("t2s")
_DOTS = str.maketrans(dict.fromkeys(DOT_VARIANTS, "·"))
# Digits 1-5 (0 for some) are tone numbers: "zhang1".
_QUERY_SEPARATORS = set(" '’-‐." + DOT_VARIANTS + "012345")


def exact_key(name: str) -> str:
    """The name NFKC-folded, with all whitespace removed and lower-cased; Invalid if not a name."""
    return _exact(clean_name(name))


def variant_key(name: str) -> str:
    """exact_key with every middle dot made U+00B7 and traditional characters made simplified."""
    return _variant(exact_key(name))


def name_keys(name: str) -> tuple[str, str, str]:
    """(clean name, exact key, variant key), cleaning the name once; Invalid if it is not a name."""
    cleaned, exact = clean_and_exact(name)
    return cleaned, exact, _variant(exact)


def clean_and_exact(name: str) -> tuple[str, str]:
    """(clean name, exact key); Invalid if it is not a name."""
    cleaned = clean_name(name)
    return cleaned, _exact(cleaned)


def variant_keys(exact_keys: list[str]) -> list[str]:
    """The variant key of each exact key, through one OpenCC call: a call cost ≈ 6× its work on
    one name (measured). No exact key holds a newline, and no phrase OpenCC converts spans one."""
    if not exact_keys:
        return []
    # After NFKC, which maps every dot variant to one in the list (U+FF65 to U+30FB, U+FF0E and
    # U+2024 to ".").
    return _T2S.convert("\n".join(exact_keys).translate(_DOTS)).split("\n")


def _exact(cleaned: str) -> str:
    return "".join(cleaned.split()).lower()


def _variant(exact: str) -> str:
    return variant_keys([exact])[0]


# What the caches below keep is bounded by entries, each keyed by a name (or its tail): a name
# check of a 64-character name kept ≈ 3.7 kB, so distinct long queries from the public could
# make each worker hold ≈ 240 MB. Names that repeat (roster loads, common checks) are short:
# only texts up to this many characters are kept (an entry ≈ 330 bytes, as before).
CACHED_NAME_LENGTH = 4


def _cached_when_short(function):
    """`function` of one text, remembered (LRU, 65,536) for texts of CACHED_NAME_LENGTH
    characters or fewer, computed anew for longer ones."""
    cached = lru_cache(maxsize=65_536)(function)

    @functools.wraps(function)
    def call(text: str):
        return cached(text) if len(text) <= CACHED_NAME_LENGTH else function(text)

    call.cache_clear, call.cache_info = cached.cache_clear, cached.cache_info
    return call


def _fold_latin(text: str) -> str:
    """Lower case without diacritics; ü becomes v, as pypinyin and pinyin keyboards write it."""
    decomposed = unicodedata.normalize("NFD", text.lower()).replace("u\u0308", "v")
    return "".join(char for char in decomposed if not unicodedata.combining(char))


@_cached_when_short  # given names repeat: most new names romanize a known one
def _romanize(text: str) -> str | None:
    """Toneless pinyin letters of text, or None if it holds letters that have no romanization."""
    # Character by character: a name is not a phrase (as one, 单于思东's 于思 would read yu sai).
    folded = _fold_latin("".join(lazy_pinyin(list(text), style=Style.NORMAL)))
    if any(char.isalpha() and char not in string.ascii_lowercase for char in folded):
        return None  # a key missing a syllable would match names it should not
    return "".join(char for char in folded if char in string.ascii_lowercase)


@lru_cache(maxsize=65_536)
def _readings(char: str) -> tuple[str, ...]:
    """Every toneless reading of one character: the surname table's first, then pypinyin's."""
    heteronyms = pinyin(char, style=Style.NORMAL, heteronym=True)[0]
    readings = [*SURNAMES.get(char, ()), *(_romanize(r) or "" for r in heteronyms)]
    return tuple(dict.fromkeys(readings))


def pinyin_keys(name: str) -> frozenset[str]:
    """Toneless pinyin keys of the name, one per surname reading a person might type."""
    return variant_pinyin_keys(variant_key(name))


# Names repeat (王伟): a roster load hits this for about half its names. ≈ 330 bytes an entry, so
# at most ≈ 22 MB kept in a worker after a large load.
@_cached_when_short
def variant_pinyin_keys(folded: str) -> frozenset[str]:
    """pinyin_keys of a name given by its variant key (a roster write has it already)."""
    after_first = _romanize(folded[1:])
    if after_first is None or _romanize(folded[0]) is None:
        return frozenset()
    # Most likely readings first, so the cap drops the rare ones.
    keys: list[str] = []
    if len(folded) > 1:
        after_compound = _romanize(folded[2:]) or ""
        keys += [reading + after_compound for reading in SURNAMES.get(folded[:2], ())]
    keys += [reading + after_first for reading in _readings(folded[0])]
    # ü is typed v, u or yu (吕 lv, lu, lyu on passports).
    keys += [key.replace("v", spelling) for key in keys if "v" in key for spelling in ("u", "yu")]
    return frozenset(key for key in list(dict.fromkeys(keys))[:MAX_PINYIN_KEYS] if key)


def query_pinyin_key(query: str) -> str | None:
    """The query as a pinyin key if it is Latin letters with separators or tones, else None."""
    folded = _fold_latin(clean_name(query))
    if not all(char in string.ascii_lowercase or char in _QUERY_SEPARATORS for char in folded):
        return None
    return "".join(char for char in folded if char in string.ascii_lowercase) or None
