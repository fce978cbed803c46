"""Tests for the exact, variant and pinyin match keys of roster names."""

import pytest

from service.domain import folding
from service.domain.folding import exact_key, pinyin_keys, query_pinyin_key, variant_key


def test_exact_key_folds_full_width_letters_and_lower_cases():
    assert exact_key("ＡＢＣ") == "abc"
    assert exact_key("Li Lei") == "lilei"


def test_exact_key_removes_inner_full_width_and_ideographic_spaces():
    assert exact_key("张 心怡") == "张心怡"
    assert exact_key(" 张\u3000心  怡 ") == "张心怡"
    assert exact_key("ｚｈａｎｇ\u3000ｘｉｎ") == "zhangxin"


def test_exact_key_keeps_dots_and_traditional_characters_distinct():
    assert exact_key("阿依古丽•买买提") != exact_key("阿依古丽·买买提")
    assert exact_key("張心怡") != exact_key("张心怡")


def test_exact_key_rejects_what_clean_name_rejects():
    with pytest.raises(ValueError):
        exact_key("   ")
    with pytest.raises(ValueError):
        exact_key("张\x00心怡")


@pytest.mark.parametrize("dot", list("·•‧・･·．"))
def test_variant_key_folds_each_middle_dot_variant(dot):
    assert variant_key(f"阿依古丽{dot}买买提") == "阿依古丽·买买提"


@pytest.mark.parametrize(
    ("traditional", "simplified"),
    [("張心怡", "张心怡"), ("劉東", "刘东"), ("陳", "陈"), ("鄭", "郑")],
)
def test_variant_key_folds_traditional_to_simplified(traditional, simplified):
    assert variant_key(traditional) == simplified
    assert variant_key(traditional) == variant_key(simplified)


def test_variant_key_also_folds_width_and_spaces():
    assert variant_key("張　心怡") == "张心怡"
    assert variant_key("ＡＢＣ") == "abc"


def test_pinyin_keys_of_a_common_name():
    assert pinyin_keys("张心怡") == {"zhangxinyi"}
    assert pinyin_keys("張心怡") == {"zhangxinyi"}


def test_homophones_share_a_pinyin_key():
    assert pinyin_keys("张心怡") & pinyin_keys("章新宜") == {"zhangxinyi"}


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("单雄信", {"shanxiongxin", "danxiongxin"}),
        ("曾国藩", {"zengguofan", "cengguofan"}),
        ("区家麟", {"oujialin", "qujialin"}),
        ("解缙", {"xiejin", "jiejin"}),
        ("仇英", {"qiuying", "chouying"}),
        ("朴槿惠", {"piaojinhui", "pujinhui"}),
        ("查良镛", {"zhaliangyong", "chaliangyong"}),
        ("盖聂", {"genie", "gainie"}),
        ("翟志刚", {"zhaizhigang", "dizhigang"}),
        ("乐嘉", {"yuejia", "lejia"}),
        ("缪斯", {"miaosi", "mousi"}),
        ("尉迟恭", {"yuchigong"}),
        ("单于琴", {"chanyuqin"}),
        ("万俟卨", {"moqixie"}),
        ("长孙无忌", {"zhangsunwuji"}),
        ("令狐冲", {"linghuchong"}),
        ("澹台灭明", {"tantaimieming"}),
        ("覃玉", {"qinyu", "tanyu"}),
        ("召忠", {"shaozhong", "zhaozhong"}),
        ("员半千", {"yunbanqian", "yuanbanqian"}),
        ("秘书", {"bishu", "mishu"}),
        ("种师道", {"chongshidao", "zhongshidao"}),
        ("繁钦", {"poqin", "fanqin"}),
        ("纪晓岚", {"jixiaolan"}),
        ("能静", {"naijing", "nengjing"}),
        ("那英", {"naying", "nuoying"}),
    ],
)
def test_pinyin_keys_include_every_surname_reading(name, expected):
    assert expected <= pinyin_keys(name)


def test_pinyin_keys_read_a_given_name_character_by_character_not_as_a_word():
    # As a word, 于思 is yú sāi (bearded); in 单于思东 it is two characters of a name.
    assert pinyin_keys("单于思东") == {"chanyusidong", "danyusidong", "shanyusidong"}


def test_pinyin_keys_include_heteronym_readings_of_the_first_character():
    assert "chanxiongxin" in pinyin_keys("单雄信")


def test_pinyin_keys_fold_traditional_surnames_first():
    assert {"shanxiongxin", "danxiongxin"} <= pinyin_keys("單雄信")
    assert "yuchigong" in pinyin_keys("尉遲恭")


def test_pinyin_keys_drop_dots_in_transliterated_names():
    assert "ayigulimaimaiti" in pinyin_keys("阿依古丽·买买提")
    assert pinyin_keys("阿依古丽•买买提") == pinyin_keys("阿依古丽・买买提")


def test_pinyin_keys_keep_latin_letters():
    assert pinyin_keys("Li Lei") == {"lilei"}
    assert pinyin_keys("ＬＩ　ＬＥＩ") == {"lilei"}


def test_pinyin_keys_of_mixed_latin_and_chinese():
    assert pinyin_keys("Anna张") == {"annazhang"}
    assert "zhangxinyianna" in pinyin_keys("张心怡 Anna")


def test_pinyin_keys_are_empty_for_letters_without_romanization():
    assert pinyin_keys("Иван") == set()


def test_pinyin_keys_are_capped_at_sixteen(monkeypatch):
    readings = tuple(f"x{letter}" for letter in "abcdefghijklmnopqrst")
    monkeypatch.setitem(folding.SURNAMES, "张", readings)
    folding.variant_pinyin_keys.cache_clear()
    folding._readings.cache_clear()
    keys = pinyin_keys("张心怡")
    folding.variant_pinyin_keys.cache_clear()
    folding._readings.cache_clear()
    assert len(keys) == 16
    assert "xaxinyi" in keys


@pytest.mark.parametrize(
    "query",
    [
        "zhang xinyi",
        "ZhangXinYi",
        "ZHANG XINYI",
        "Zhang Xin-yi",
        "zhang·xinyi",
        "zhāng xīnyí",
        "zhang1 xin1 yi2",
        "ｚｈａｎｇ\u3000ｘｉｎｙｉ",
    ],
)
def test_query_pinyin_key_strips_spaces_case_separators_and_tones(query):
    assert query_pinyin_key(query) == "zhangxinyi"


def test_query_pinyin_key_strips_apostrophes():
    assert query_pinyin_key("xi'an") == "xian"
    assert query_pinyin_key("Xi’an") == "xian"


def test_query_pinyin_key_writes_u_umlaut_as_v_like_pypinyin():
    assert query_pinyin_key("lǚ bù") == "lvbu"
    assert query_pinyin_key("lǚ bù") in pinyin_keys("吕布")


def test_query_pinyin_key_is_none_for_chinese_or_mixed_queries():
    assert query_pinyin_key("张心怡") is None
    assert query_pinyin_key("zhang心怡") is None


def test_query_pinyin_key_is_none_without_letters_or_with_other_characters():
    assert query_pinyin_key("...") is None
    assert query_pinyin_key("zhang@xinyi") is None
    assert query_pinyin_key("Иван") is None


def test_query_key_matches_a_roster_names_pinyin_key():
    assert query_pinyin_key("Shan Xiongxin") in pinyin_keys("單雄信")
    assert query_pinyin_key("Yuchi Gong") in pinyin_keys("尉迟恭")


def test_variant_keys_of_a_batch_match_each_name_alone():
    # 乾隆 and 於菟 are phrases OpenCC keeps; 乾 and 於 alone become 干 and 于: the batch must
    # not join one name's end to the next one's start.
    names = ["王乾", "隆明", "周於", "菟", "張心怡", "阿依古丽•买买提", "乾隆"]
    assert folding.variant_keys([exact_key(name) for name in names]) == [
        variant_key(name) for name in names] == [
        "王干", "隆明", "周于", "菟", "张心怡", "阿依古丽·买买提", "乾隆"]
    assert folding.variant_keys([]) == []
