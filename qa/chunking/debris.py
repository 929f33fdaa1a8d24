"""Patterns of web-page debris: what government and aggregator pages put around a text.

Each rule is a general shape of published pages (navigation trails, info boxes, counters,
share rows, date stamps, broker contact lines, footers), not a position in one file.
``qa.chunking.furniture`` applies them line by line and reports spans.
"""

from __future__ import annotations

import re

# Labels of the 信息公开 info box (索引号 / 发文机关 / 主题分类 …) and of the article
# meta row (来源 / 发布日期 / 作者 …). A line that starts with one, followed by a colon,
# is debris; a bare label line is debris and so is its value on the next line.
INFO_LABELS = (
    "索引号",
    "信息索引号",
    "发文机关",
    "发文单位",
    "发布机构",
    "发布单位",
    "发文字号",
    "文号",
    "主题分类",
    "主题词",
    "信息分类",
    "组配分类",
    "分类",
    "体裁分类",
    "服务对象分类",
    "效力状态",
    "有效性",
    "时效性",
    "成文日期",
    "发布日期",
    "发文日期",
    "印发日期",
    "生成日期",
    "公开方式",
    "公开范围",
    "公开时限",
    "所属机构",
    "实施日期",
    "废止日期",
    "统一编号",
    "登记号",
)
_META_LABELS = (
    "来源",
    "发布",
    "信息来源",
    "文章来源",
    "稿件来源",
    "稿源",
    "供稿",
    "作者",
    "撰稿",
    "审核",
    "责任编辑",
    "编辑",
    "字号",
    "字体",
)


def label_pattern(labels: tuple[str, ...]) -> str:
    """An alternation of labels, longest first, each allowing the spaces pages put
    between its characters (``文　　号``)."""
    ordered = sorted(labels, key=len, reverse=True)
    return "|".join(r"[\s\u3000]*".join(map(re.escape, label)) for label in ordered)


LABELLED_LINE = re.compile(
    rf"^[【\[]?({label_pattern(INFO_LABELS + _META_LABELS)})\s*[:：]"
)
BARE_LABEL = re.compile(rf"^({label_pattern(INFO_LABELS)})$")
# An info box rendered as a table row: a label cell, then a tab and its value.
LABEL_ROW = re.compile(rf"^({label_pattern(INFO_LABELS)})\t")
# The 标题 / 名称 field of an info box: only a label when other info-box lines are near.
TITLE_LABEL = re.compile(r"^(标[\s\u3000]*题|名[\s\u3000]*称)\s*[:：]?")

_DATE = r"\d{4}\s*[-/.年]\s*\d{1,2}\s*[-/.月]\s*\d{1,2}\s*日?"
_TIME = r"\d{1,2}\s*[:：]\s*\d{2}(\s*[:：]\s*\d{2})?"
_PHONE_BROKER = r"(?<!\d)[48]00\s*[-－—\s]?\s*\d{3}\s*[-－—\s]?\s*\d{3,4}(?!\d)"
# Commercial (loan broker, agency) contact lines: a commercial word and a number. A
# government office's own 联系电话 line in a notice is kept.
_PHONE = r"(?<!\d)(1[3-9]\d{9}|0\d{2,3}\s*[-－—]?\s*\d{7,8}|[48]00[-－—\s]?\d{3}[-－—\s]?\d{3,4})(?!\d)"
_CONTACT = rf"(贷款|客服|微信|QQ|qq|加V|VX|vx)[^。；]{{0,24}}{_PHONE}"

# A whole line is debris when it matches one of these (after stripping whitespace).
LINE_RULES: tuple[tuple[str, re.Pattern[str]], ...] = (
    (
        "breadcrumb",
        re.compile(
            r"^(当前位置|您现在的位置|你的位置|您所在的位置|您当前的位置|当前的位置|所在位置|位置)\s*[:：]"
        ),
    ),
    ("breadcrumb", re.compile(r"^(网站)?首页\s*([>＞»/|→]|&gt;)")),
    ("page-meta", LABELLED_LINE),
    ("info-box", LABEL_ROW),
    # A date stamp, not an activity's 时间：2024年5月10日 line: a web date (2025-08-01),
    # or any date with a clock time, and no sentence after it.
    (
        "page-meta",
        re.compile(
            rf"^(时间|日期|发布时间|更新时间)\s*[:：]\s*"
            rf"(\d{{4}}[-/.]\d{{1,2}}[-/.]\d{{1,2}}|{_DATE}\s*{_TIME})[^。；]*$"
        ),
    ),
    ("page-meta", re.compile(rf"^{_DATE}\s+{_TIME}(\s.*)?$")),
    # A byline: author or account, then a date-time stamp (原创 某某 2024-02-20 08:30).
    ("byline", re.compile(rf"^[^。；，,]{{0,30}}[\s\u3000]{_DATE}[\s\u3000]+{_TIME}$")),
    (
        "counter",
        re.compile(
            r"^[【\[(（]?\s*(浏览次数|阅读次数|阅读量|阅读数|浏览量|点击数|点击量|点击率|访问量|访问次数|浏览)\s*[:：]"
        ),
    ),
    (
        "share-print",
        re.compile(
            r"^(分享文章到|分享到|分享至|分享[:：]|返回顶部|打印页面|打印本页|打印此页|关闭本页|关闭窗口|"
            r"扫一扫在手机打开当前页|扫一扫在手机上查看|微信扫一扫|【打印】|【关闭】|【字体|【字号|"
            r"\[打印\]|\[关闭\]|【打印本页】|【关闭窗口】|【收藏】|【纠错】|\[\s*打印\s*\]|"
            r"字体\s*[:：]?\s*[【\[]?\s*大\s+中\s+小|【\s*大\s+中\s+小\s*】)"
        ),
    ),
    (
        "related-links",
        re.compile(r"^(上一篇|下一篇|上一条|下一条|上一页|下一页)\s*[:：]?"),
    ),
    (
        "promo",
        re.compile(
            r"^(特色服务推荐|相关推荐|推荐阅读|热点推荐|专题推荐|热门文章|猜你喜欢|友情链接|热门推荐|"
            r"精彩推荐|热点新闻)\s*[:：]?\s*$"
        ),
    ),
    # Social-media reposts: follow prompts, QR codes, 阅读原文 / 在看 buttons.
    (
        "promo",
        re.compile(
            r"^(点击(上方)?蓝字关注|关注我们|长按(识别|扫描)?二维码|扫码关注|阅读原文|"
            r"点击[“\"]?阅读原文|点个在看|分享.{0,4}点赞.{0,4}在看|转载请注明)"
        ),
    ),
    (
        "footer",
        re.compile(
            r"(网站标识码|ICP备|ICP证|公网安备|版权所有|Copyright|©|主办单位\s*[:：]|"
            r"承办单位\s*[:：]|技术支持\s*[:：]|网站地图|联系我们\s*[|｜]|建议使用.{0,20}浏览器)",
            re.IGNORECASE,
        ),
    ),
    ("contact", re.compile(_PHONE_BROKER)),
    ("contact", re.compile(_CONTACT)),
    ("contact", re.compile(r"^(微信号?|QQ群?|qq群?|VX|vx|加微信)\s*[:：]")),
    ("separator", re.compile(r"^[-—=_*·]{5,}$")),
    (
        "site-name",
        re.compile(
            r"^[\u4e00-\u9fff]{2,30}(门户网站|网站|官网)$|^[\u4e00-\u9fff]{2,20}网$"
        ),
    ),
    # PDF page footers: — 3 —, - 3 -, 第3页 共8页, 3/8.
    (
        "page-number",
        re.compile(
            r"^([-—－–]\s*\d{1,3}\s*[-—－–]|第\s*\d{1,3}\s*页(\s*[,，/]?\s*共\s*\d{1,3}\s*页)?|"
            r"\d{1,3}\s*/\s*\d{1,3})$"
        ),
    ),
)

# Debris from a marker to the end of its line (the line may start with real text).
TAIL_RULES: tuple[tuple[str, re.Pattern[str]], ...] = (
    ("page-meta", re.compile(r"(发表时间|发布时间|发布日期|更新时间)\s*[:：].*$")),
)

# Debris anywhere inside a line.
INLINE_RULES: tuple[tuple[str, re.Pattern[str]], ...] = (
    ("word-bookmark", re.compile(r"\[bookmark:[^\]\n]*\]")),
)

# A heading that opens a list of links to other pages; the block runs over the following
# lines that read like link titles (no sentence-ending punctuation) up to the first prose.
LINK_BLOCK_HEAD = re.compile(
    r"^(相关内容|相关链接|相关文章|相关阅读|相关文件|相关新闻|相关政策|相关解读|延伸阅读|"
    r"相关附件|其他文件|更多)\s*[:：]?\s*$"
)
# Rules that only hold for a short line: the same words inside a long paragraph are text.
SHORT_ONLY = {"contact": 100, "footer": 150, "byline": 50}
PROSE_END = re.compile(r"[。；！？]$")

# A menu row: four or more short items separated by spaces or bars, one of them 首页.
_MENU_ITEM = re.compile(r"^[\u4e00-\u9fffA-Za-z]{2,8}$")


def is_menu_row(line: str) -> bool:
    """A navigation bar flattened to one line (``首页 政务公开 政务服务 互动交流``)."""
    items = [x for x in re.split(r"[\s|｜/·]+", line) if x]
    return (
        len(items) >= 4
        and any(x in ("首页", "网站首页") for x in items)
        and all(_MENU_ITEM.match(x) for x in items)
    )
