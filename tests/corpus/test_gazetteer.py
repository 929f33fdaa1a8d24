"""Region gazetteer: data counts, alias and district resolution, ordinary words, bad data."""

from __future__ import annotations

from pathlib import Path

import pytest

from qa.corpus.gazetteer import Gazetteer, Region, load_default


@pytest.fixture(scope="module")
def gaz() -> Gazetteer:
    return load_default()


# ---- the data ----------------------------------------------------------------------------


def test_counts_come_from_the_data(gaz: Gazetteer) -> None:
    assert len(gaz.children("辽宁省")) == 14
    assert len(gaz.children("上海市")) == 16
    assert len(gaz.children("广州市")) == 11
    assert len(gaz.children("广东省")) == 21
    assert len(gaz.children("肇庆市")) == 8
    provinces = [r for r in gaz.regions() if r.level == "省"]
    assert len(provinces) == 34
    assert all(r.parent == "全国" for r in provinces)


def test_municipalities_are_provincial_level(gaz: Gazetteer) -> None:
    for name in ("北京市", "上海市", "天津市", "重庆市"):
        assert gaz.get(name).level == "省"


def test_every_province_has_a_city(gaz: Gazetteer) -> None:
    # Capitals of all provinces are present, so questions naming them resolve.
    municipal_or_sar = {
        "北京市",
        "上海市",
        "天津市",
        "重庆市",
        "香港特别行政区",
        "澳门特别行政区",
    }
    for region in gaz.regions():
        if region.level == "省" and region.name not in municipal_or_sar:
            assert gaz.children(region.name), region.name
    assert gaz.chain("武汉") == ("武汉市", "湖北省", "全国")


def test_region_record(gaz: Gazetteer) -> None:
    region = gaz.get("番禺")
    assert region == Region("番禺区", "区", "广州市", ("番禺",))
    assert "羊城" in gaz.get("广州市").aliases


# ---- lookups -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("alias", "name"),
    [
        ("穗", "广州市"),
        ("羊城", "广州市"),
        ("花城", "广州市"),
        ("沪", "上海市"),
        ("申城", "上海市"),
        ("魔都", "上海市"),
        ("辽", "辽宁省"),
        ("鹏城", "深圳市"),
        ("京", "北京市"),
        ("粤", "广东省"),
        ("鄂", "湖北省"),
        ("浦东", "浦东新区"),
        ("国家", "全国"),
        ("广州市", "广州市"),
    ],
)
def test_canonical(gaz: Gazetteer, alias: str, name: str) -> None:
    assert gaz.canonical(alias) == name
    assert alias in gaz


def test_unknown_names(gaz: Gazetteer) -> None:
    assert "火星" not in gaz
    with pytest.raises(ValueError, match="未知地区.*unknown region"):
        gaz.canonical("火星")
    with pytest.raises(KeyError, match="火星"):
        gaz.get("火星")


def test_chain_and_children(gaz: Gazetteer) -> None:
    assert gaz.chain("番禺") == ("番禺区", "广州市", "广东省", "全国")
    assert gaz.chain("全国") == ("全国",)
    assert gaz.chain("四会市") == ("四会市", "肇庆市", "广东省", "全国")
    assert "天河区" in gaz.children("穗")
    assert gaz.children("番禺区") == ()


# ---- resolution --------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "chain"),
    [
        ("浦东有哪些创业补贴", ("浦东新区", "上海市", "全国")),
        ("在浦东新区开公司能领一次性创业补贴吗", ("浦东新区", "上海市", "全国")),
        ("番禺的创业担保贷款额度是多少", ("番禺区", "广州市", "广东省", "全国")),
        ("羊城的大学生创业补贴怎么申请", ("广州市", "广东省", "全国")),
        ("魔都有什么创业扶持政策", ("上海市", "全国")),
        ("沪上创业有哪些补贴", ("上海市", "全国")),
        ("在沪申请创业担保贷款要什么条件", ("上海市", "全国")),
        ("有意向来穗就业创业的高校毕业生", ("广州市", "广东省", "全国")),
        ("穗企招用退役军人有补贴吗", ("广州市", "广东省", "全国")),
        ("端州区创业补贴", ("端州区", "肇庆市", "广东省", "全国")),
        ("端州有没有创业孵化基地", ("端州区", "肇庆市", "广东省", "全国")),
        ("四会的返乡创业政策", ("四会市", "肇庆市", "广东省", "全国")),
        ("肇庆创业补贴", ("肇庆市", "广东省", "全国")),
        ("深圳创业补贴标准", ("深圳市", "广东省", "全国")),
        ("北京的创业担保贷款", ("北京市", "全国")),
        ("湖北省对返乡创业有什么支持", ("湖北省", "全国")),
        ("在鄂创业的大学生", ("湖北省", "全国")),
        ("辽宁有哪些创业政策", ("辽宁省", "全国")),
        ("在朝阳创业有什么补贴", ("朝阳市", "辽宁省", "全国")),
        ("白云区的创业补贴", ("白云区", "广州市", "广东省", "全国")),
        ("国家对大学生创业有什么补贴", ("全国",)),
    ],
)
def test_resolve_chain(gaz: Gazetteer, text: str, chain: tuple[str, ...]) -> None:
    assert gaz.resolve(text) == (chain[0],)
    assert gaz.resolve_one(text) == chain[0]
    assert gaz.chain(gaz.resolve_one(text) or "") == chain


def test_longest_match_wins(gaz: Gazetteer) -> None:
    assert gaz.resolve("浦东新区") == ("浦东新区",)
    assert gaz.resolve("广州市") == ("广州市",)
    assert gaz.resolve("沪上") == ("上海市",)


def test_most_specific_kept(gaz: Gazetteer) -> None:
    assert gaz.resolve("广东省广州市天河区创业补贴") == ("天河区",)
    assert gaz.resolve("广州天河的创业孵化基地") == ("天河区",)
    # Two districts of one city are both kept; their shared city is dropped.
    assert gaz.resolve("广州番禺和天河哪个补贴多") == ("番禺区", "天河区")


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("广州和上海的创业补贴有什么不同", ("广州市", "上海市")),
        ("上海与广州的创业担保贷款额度对比", ("上海市", "广州市")),
        ("沪、穗两地的一次性创业补贴比较", ("上海市", "广州市")),
        ("辽宁省和广东省的返乡创业政策区别", ("辽宁省", "广东省")),
        ("浦东和番禺的孵化基地补贴谁高", ("浦东新区", "番禺区")),
        ("深圳比肇庆补贴多吗？深圳呢", ("深圳市", "肇庆市")),
        ("国家和广州的规定不一样吗", ("广州市",)),
    ],
)
def test_comparison_keeps_order(
    gaz: Gazetteer, text: str, expected: tuple[str, ...]
) -> None:
    assert gaz.resolve(text) == expected


ORDINARY = [
    "申请创业担保贷款需要什么材料",
    "申报一次性创业补贴的流程是什么",
    "在京东开网店算不算自主创业",
    "对申请人有没有什么高要求",
    "创业担保贷款贴息最高要多少",
    "朝阳产业的初创企业有什么扶持",
    "在朝阳产业创业能申请补贴吗",
    "蓝天白云下开民宿能申请补贴吗",
    "绿水青山就是金山银山，乡村创业有补贴吗",
    "去普陀山开客栈能享受创业补贴吗",
    "国家级创业孵化示范基地有什么奖励",
    "国家发展改革委关于创业的文件有哪些",
    "在新区创办企业能享受哪些优惠",
    "入驻开发区的小微企业有贴息吗",
    "领取生活津贴需要什么条件",
    "晋升职称后还能申领创业补贴吗",
    "和平年代退役军人创业有什么支持",
    "从化工企业辞职后创业能领补贴吗",
    "中山大学毕业生创业有补贴吗",
    "平台企业的灵活就业人员怎么参保",
    "到新企业工作后还能领创业补贴吗",
    "中央厨房项目能申请创业补贴吗",
    "高校毕业生创业可以享受哪些政策",
    "个体工商户申领社保补贴的条件",
    "在中国人民银行征信有逾期还能贷款吗",
]


@pytest.mark.parametrize("text", ORDINARY)
def test_ordinary_words_do_not_fire(gaz: Gazetteer, text: str) -> None:
    assert gaz.resolve(text) == ()
    assert gaz.resolve_one(text) is None


def test_strict_alias_needs_context(gaz: Gazetteer) -> None:
    assert gaz.resolve("在金山工作") == ("金山区",)
    assert gaz.resolve("金山区") == ("金山区",)
    assert gaz.resolve("京津冀协同") == ()
    assert gaz.resolve("") == ()


# ---- malformed data ----------------------------------------------------------------------

GOOD = """
[context]
before = ["在"]
after = ["企"]

[[region]]
name = "全国"
level = "全国"
parent = ""
aliases = ["国家"]

[[region]]
name = "广东省"
level = "省"
parent = "全国"
aliases = ["广东", "粤"]
strict = ["粤"]

[[region]]
name = "广州市"
level = "市"
parent = "广东省"
aliases = ["广州"]
"""


def _write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "regions.toml"
    path.write_text(text, encoding="utf-8")
    return path


def test_small_file_loads(tmp_path: Path) -> None:
    gaz = Gazetteer.load(_write(tmp_path, GOOD))
    assert gaz.chain("广州") == ("广州市", "广东省", "全国")
    assert gaz.resolve("粤企") == ("广东省",)
    assert gaz.resolve("粤语") == ()


@pytest.mark.parametrize(
    ("old", "new", "field"),
    [
        (
            'parent = "广东省"',
            'parent = "广东"',
            "parent",
        ),  # unknown parent (alias, not name)
        ('level = "市"', 'level = "地级市"', "level"),
        ('aliases = ["广州"]', 'aliases = ["广东"]', "aliases"),  # duplicate alias
        ('name = "广州市"', 'name = "广东省"', "name"),  # duplicate name
        ('parent = "全国"', 'parent = "广州市"', "parent"),  # cycle 广东省 <-> 广州市
        ('strict = ["粤"]', 'strict = ["鄂"]', "strict"),
        ('aliases = ["广州"]', 'aliases = ["广州"]\nnot_in = ["京东"]', "not_in"),
        ('aliases = ["广州"]', 'alias = ["广州"]', "alias"),  # misspelt field
        ('aliases = ["国家"]', 'aliases = "国家"', "aliases"),
    ],
)
def test_bad_data_names_file_and_field(
    tmp_path: Path, old: str, new: str, field: str
) -> None:
    assert old in GOOD
    path = _write(tmp_path, GOOD.replace(old, new, 1))
    with pytest.raises(ValueError) as info:
        Gazetteer.load(path)
    message = str(info.value)
    assert str(path) in message
    assert f"field '{field}'" in message


def test_bad_toml_names_file(tmp_path: Path) -> None:
    path = _write(tmp_path, "[[region]\nname = ")
    with pytest.raises(ValueError, match="regions.toml"):
        Gazetteer.load(path)


def test_load_default_is_cached() -> None:
    assert load_default() is load_default()
