"""A document past its stated period is flagged in the answer; dates reach citations."""

from __future__ import annotations

from dataclasses import replace

import pytest

from qa.answer.validity import expired, expiry_notice
from qa.types import Answer, Citation


def cite(region: str, until: str) -> Citation:
    return Citation("d", "t", region, "省", "", "h", "q", 0, 1, 1.0, valid_until=until)


@pytest.mark.parametrize(
    ("until", "today", "ended"),
    [
        ("2024-12-31", "2026-12-02", True),
        ("2027-12-31", "2026-12-02", False),
        ("2026-12-02", "2026-12-02", False),
        ("2024", "2025-01-01", True),
        ("2026-12", "2026-12-31", False),
        ("", "2099-01-01", False),
    ],
)
def test_expired_compares_on_the_stated_precision(until, today, ended):
    assert expired(cite("全国", until), today) is ended


def test_notice_names_each_ended_document_once():
    a = Answer(
        "q",
        "t",
        True,
        (
            cite("全国", "2024-12-31"),
            cite("辽宁省", "2024-12-31"),
            cite("肇庆市", "2027-12-31"),
            cite("全国", "2024-12-31"),
        ),
    )
    out = expiry_notice(a, "2026-12-02")
    assert (
        out.notice
        == "所引全国、辽宁省文件的目标期限为2024年底，已届满，请以当地最新政策为准。"
    )
    assert expiry_notice(a, "2024-06-01").notice == ""
    refused = replace(a, answered=False)
    assert expiry_notice(refused, "2026-12-02").notice == ""


def test_real_answers_carry_dates_and_the_expiry_notice(real_pipeline):
    a = real_pipeline.ask("国家每年创业培训规模要达到多少人次？")
    assert a.answered
    top = a.citations[0]
    assert top.region == "全国" and top.valid_until == "2024-12-31" and top.date
    assert "目标期限为2024年底" in a.notice
