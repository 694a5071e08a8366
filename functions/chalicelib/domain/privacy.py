"""The public version of citizen text: contact details out, the writer's name masked.

Invariant 2 of DESIGN.md ("nothing private is published") rests on this module. The rule comes
from 《中华人民共和国个人信息保护法》(2021): an ID-card number or a bank account identifies a
person and financial accounts are sensitive personal information (第二十八条), so they may not
be made public without separate consent; and from the message boards' "分类选登" practice: the
office selects and publishes letters and replies, but the writer's contact details are never
published and the writer's name appears masked (王**).

What is redacted, anywhere in a subject, body, reply, comment or survey answer, each replaced
by a placeholder that says what was there:

- mobile numbers (1[3-9]x, 11 digits; +86/0086/86 prefix), with anything people put between
  the digits (spaces, repeated spaces, dots, dashes, slashes, underscores) → [手机号已隐去];
- landlines with an area code (0731-84567890, (0731)84567890, 010 8765 4321, extension
  allowed) and 7–8 digit local numbers written after 电话/座机/联系方式/Tel… → [电话已隐去];
- ID-card numbers (18 digits, last may be X; old 15-digit numbers with a valid birth date)
  → [身份证号已隐去]; bank-card numbers (16–19 digits, also in groups of four) → [卡号已隐去];
- e-mail addresses, also written to get past filters: "zhang at qq dot com", zhang(at)163.com,
  spaces around @, ＠ and 。 for @ and the dot, domains in Chinese → [邮箱已隐去];
- QQ numbers after QQ/QQ号/扣扣/q q/企鹅号… → [QQ号已隐去]; WeChat ids after 微信/微信号/VX/
  V信/wx/威信/薇信… (and any wxid_…) → [微信号已隐去];
- home addresses down to the door: a number after a road, street or lane (解放路123号5栋2单元
  301室 keeps 解放路), and a building with a room (幸福小区3栋1802) → [住址已隐去];
- licence plates (湘A12345, 湘A·D12345 for new-energy cars, 粤B 88888, 鄂AP185挂) → [车牌号已隐去];
- passport and travel-permit numbers (E12345678, G12345678, after 护照/passport/通行证)
  → [护照号已隐去];
- names: those passed in (the writer's own) and the forms people write them in (王 小 明 with
  spaces, the given name alone 小明, pinyin Wang Xiaoming / wangxiaoming / Xiaoming Wang), a
  name written after 姓名/联系人/举报人/我叫…, and the handle a reply addresses its writer by
  (网友“星沙人”：您好) — each replaced by its masked form (王**, 星**, W***; the given name
  alone by one * per character).

Before matching, the text is folded one character for one, so a match keeps its place in the
text as written: full-width forms (１３８, ＠, －, the ideographic space) become ASCII and Chinese
numerals (一三八, 幺三八, 壹叁捌, 〇) become digits. The replacement keeps the rest of the text
exactly as written.

Department hotlines in replies are redacted as well: telling a public number from a private
one is not something a pattern can do, and the site shows the department instead.

Clearly non-personal numbers stay: dates (2019-12-05, 20191205), amounts, document numbers
(〔2019〕12号), postcodes, counts (3栋楼, 共5栋), a building without a room (12栋3单元), road
names without a number (解放路), bus lines (3路), train numbers (G1234), standards (GB50016),
the organisers' masks (0000-00000000, *****************).

The placeholders and masks contain no digits, so redaction is idempotent, and
`find_personal_data` of a redacted text is empty (the site-wide scan test relies on both).
Every pattern is bounded, so redaction takes time linear in the length of the text.
"""
from __future__ import annotations

import bisect
import functools
import re
import unicodedata
from collections.abc import Callable, Iterable, Iterator, Sequence

ANONYMOUS = "匿名"

Romanize = Callable[[str], Sequence[Sequence[str]]]
"""The port for a name's pinyin: each character's readings without tones, e.g. "王小明" →
[["wang"], ["xiao"], ["ming"]] (adapters/pinyin.py provides it; a character with no reading
gives no entry)."""

_romanize: Romanize | None = None


def use_romanizer(romanize: Romanize | None) -> None:
    """Install the romanizer that `redact` and `find_personal_data` use when none is passed
    (the composition root installs adapters/pinyin.py's)."""
    global _romanize
    _romanize = romanize

PLACEHOLDERS = {
    "mobile": "[手机号已隐去]",
    "phone": "[电话已隐去]",
    "id_number": "[身份证号已隐去]",
    "email": "[邮箱已隐去]",
    "bank_card": "[卡号已隐去]",
    "qq": "[QQ号已隐去]",
    "wechat": "[微信号已隐去]",
    "address": "[住址已隐去]",
    "plate": "[车牌号已隐去]",
    "passport": "[护照号已隐去]",
}

# One character in, one character out, so a match in the folded text has the same span in the
# original: full-width ASCII (U+FF01–FF5E), the ideographic and no-break spaces, the dashes
# people type between digit groups, and Chinese numerals (一三八, 幺三八, 壹叁捌, 〇).
_FOLD = {cp: cp - 0xFEE0 for cp in range(0xFF01, 0xFF5F)}
_FOLD.update({0x3000: 0x20, 0x00A0: 0x20, 0x2007: 0x20, 0x202F: 0x20})
_FOLD.update({cp: ord("-") for cp in (0x2010, 0x2011, 0x2012, 0x2013, 0x2014, 0x2015, 0x2212)})
_FOLD_WIDTH = dict(_FOLD)       # names are matched without the numerals: 李四海, 张三丰
for _digit, _chars in enumerate(("〇零洞", "一壹幺", "二贰两", "三叁", "四肆", "五伍", "六陆",
                                 "七柒拐", "八捌", "九玖")):
    _FOLD.update({ord(c): ord(str(_digit)) for c in _chars})

_SEP = r"(?:\s?-\s?|\s)?"  # between digit groups: "138 1234", "138-1234", "0736- 7898402"
_IDSEP = r"(?:\s?[-.]\s?|\s)?"
_DS = r"[ \t._/·•~-]{1,3}"  # what people put between single digits of a mobile number
_NOT_MONEY = r"(?!\s?(?:元|块|万|亿|美元|人民币|RMB|rmb))"
_DATE = r"(?:0[1-9]|1[0-2])(?:0[1-9]|[12]\d|3[01])"
_HAN = r"\u3400-\u9FFF\uF900-\uFAFF"

# Order is priority: an ID is not a card, a mobile number inside a longer run is not one.
_PATTERNS: list[tuple[str, re.Pattern[str]]] = [
    ("id_number", re.compile(
        rf"(?<!\d)[1-9]\d{{5}}{_IDSEP}(?:18|19|20)\d{{2}}{_DATE}{_IDSEP}\d{{3}}[\dXx](?![\dXx])"
        r"|(?<!\d)\d{17}[Xx](?![\dXx])"
        rf"|(?<![\d.])[1-9]\d{{7}}{_DATE}\d{{3}}(?![\d.])")),  # 15 digits: 6 region, YYMMDD, 3
    ("bank_card", re.compile(
        rf"(?<![\d.])\d{{16,19}}(?![\d.]){_NOT_MONEY}"
        # in groups of four, but not one of a row of four-digit figures ("1867 2041 1648 …")
        rf"|(?<![\d.])(?<!\d[ -])\d{{4}}(?:[ -]\d{{4}}){{3}}(?:[ -]?\d{{1,3}})?(?![ -]?[\d.])"
        rf"{_NOT_MONEY}")),
    ("mobile", re.compile(
        # optionally with country code; the run of digits must be exactly 11 long
        rf"(?<![\d.¥￥$])(?<!\d[ \t._/·•~-])(?<!\d[ \t._/·•~-]{{2}})"
        rf"(?:\(?(?:\+|00)?86\)?[ -]{{0,2}})?(?P<num>1(?:{_DS})?[3-9](?:(?:{_DS})?\d){{9}})"
        rf"(?![ \t._/·•~-]{{0,3}}\d){_NOT_MONEY}")),
    ("phone", re.compile(
        # landline with area code: 0731-84567890, (0731)84567890, +86 731 84567890, ext.
        rf"(?<![\d.¥￥$])(?:\(?(?:\+|00)86\)?{_SEP}\(?0?|\(0|0)[1-9]\d{{1,2}}\)?{_SEP}"
        rf"[2-9]\d{{2,3}}{_SEP}\d{{4}}(?:\s?(?:-|转|ext\.?)\s?\d{{1,5}})?(?!\d){_NOT_MONEY}")),
    ("plate", re.compile(
        # province (and 楚, the data set's stand-in), issuing office, 5 characters (6 for
        # new-energy cars), 挂/学/警 for trailers, learners and police
        r"(?<![A-Za-z0-9])[京津沪渝冀豫云辽黑湘皖鲁新苏浙赣鄂桂甘晋蒙陕吉闽贵粤青藏川宁琼楚]"
        r"[A-HJ-NP-Za-hj-np-z][ ·•.-]{0,2}"
        r"(?:[DFdf][A-HJ-NP-Za-hj-np-z0-9]\d{4}(?![A-Za-z0-9])|\d{5}[DFdf](?![A-Za-z0-9])"
        r"|(?=[A-Za-z]{0,2}\d)[A-HJ-NP-Za-hj-np-z0-9]{5}(?![A-Za-z0-9])"
        r"|(?=[A-Za-z]?\d)[A-HJ-NP-Za-hj-np-z0-9]{4}[挂学警])")),
    ("passport", re.compile(
        r"(?:护照|passport|通行证|签证)\s?(?:号码?|No\.?|number)?[\s:：是为#]{0,4}"
        r"(?P<doc>[A-Za-z]{1,2}\d{6,9})(?![A-Za-z0-9])"
        r"|(?<![A-Za-z0-9])(?P<bare>[EeGg][A-Za-z]?\d{7,8})(?![A-Za-z0-9])", re.IGNORECASE)),
]

_DIGIT_GROUPS = re.compile(r"\d+")


def _grouped_like_a_number(digits: str) -> bool:
    """How people split a mobile number: not at all, digit by digit (1 3 8 …), or in at most
    four groups of two or more (138 1234 5678, 1381 234 5678). A row of figures that happens
    to hold eleven digits ("1.52 1 0 0 0 0 0 0 0" in a table) is none of these."""
    groups = [len(g) for g in _DIGIT_GROUPS.findall(digits)]
    return all(n == 1 for n in groups) or (len(groups) <= 4 and min(groups) >= 2)


# Local numbers (no area code) are only taken where the text says they are a phone number:
# a bare 8-digit number is as likely a date or an amount.
_PHONE_WORDS = re.compile(
    r"(?:电话|座机|手机|联系方式|联系号码|致电|拨打|tel|phone)[\s:：是为即号码（(]{0,6}",
    re.IGNORECASE)
_LOCAL_RUN = re.compile(
    r"(?<!\d)[2-9]\d{2,3}-?\d{4}(?!\d)"
    r"(?:\s?(?:或者|[、,，/或和及;；])\s?[2-9]\d{2,3}-?\d{4}(?!\d))*")  # "电话：8805667、8805670"
_LOCAL_ONE = re.compile(r"[2-9]\d{2,3}-?\d{4}")

_QQ = re.compile(
    r"(?:(?<![A-Za-z])q\s?q|扣扣|企鹅|(?<![A-Za-z])加q)(?:号码?|号|账号|邮箱)?[\s:：是为]{0,4}"
    r"(?P<id>[1-9](?:[ ._-]{0,2}\d){4,11})(?![ ._-]{0,2}\d)", re.IGNORECASE)
_WECHAT = re.compile(
    r"(?:微信|威信|薇信|徽信|维信|微訊|V信|v信|(?<![A-Za-z])(?:vx|wx|wechat|weixin|vchat)(?![A-Za-z]))"
    r"(?:号码?|号|账号|id)?[\s:：是为]{0,4}"
    r"(?P<id>[A-Za-z][A-Za-z0-9_-]{4,19}|[1-9](?:[ _-]{0,2}\d){4,11})(?![A-Za-z0-9_-])"
    r"|(?<![A-Za-z0-9])(?P<wxid>wxid_[A-Za-z0-9_-]{4,30})", re.IGNORECASE)

# an address down to the door: the number after a road, street or lane, with whatever follows
_UNIT = r"(?:\s?\d{1,5}(?:-\d{1,4})?\s?(?:号楼|栋|幢|座|单元|楼|层|室|房|号|户|组))"
_ADDRESS = re.compile(
    r"(?:(?<=[路街巷弄])|(?<=大道|胡同|[路街巷弄] )|(?<=大道 |胡同 ))"
    r"\d{1,5}(?:-\d{1,4})?\s?号(?![线文令])(?:院)?" + _UNIT + "{0,4}"
    r"(?:\s?\d{3,4}(?![\d户人名平元万个辆米余多套间年mM㎡]))?"
    # a building with a room: 3栋1802, 5栋2单元301室, 5号楼3单元501
    r"|(?<!\d)\d{1,4}\s?(?:号楼|栋|幢|座|单元)(?:\s?\d{1,3}\s?(?:单元|楼|层))?\s?"
    r"\d{3,4}(?:\s?(?:室|房|号))?(?![\d户人名平元万个辆米余多套间年mM㎡])")

# the handle a reply addresses its writer by: 网友“星沙人”：您好, 网友ldw123456您好, UU008126：您好,
# “UU0081931”您好 at the start of a line
_ADDRESSEE = re.compile(
    r"网友\s?[“\"「『‘]\s?(?P<q>[^”\"」』’\n]{1,16}?)\s?[”\"」』’]"
    rf"|网友[:：]?\s?(?P<u>[A-Za-z0-9_{_HAN}-][A-Za-z0-9_.{_HAN}-]{{1,15}}?)\s?[:：，,]?\s?[您你]好"
    r"|(?:^|(?<=[\n。！!]))\s?(?:[“\"「]\s?(?P<s>[^”\"」\n]{1,16}?)\s?[”\"」]\s?[:：，,]?"
    r"|(?P<h>[A-Za-z]{1,3}\d{3,12})\s?[:：，,])\s?[您你]好", re.MULTILINE)
_NOT_A_HANDLE = ("朋友", "同志", "您", "你", "好", "答复", "回复", "反映", "留言", "来信", "网友")

# a name written after the words that introduce one: 姓名：王小明, 联系人王先生, 我叫李四。
_SURNAMES = (
    "欧阳 司马 上官 诸葛 东方 皇甫 尉迟 公孙 慕容 长孙 宇文 司徒 夏侯 令狐 端木 南宫 西门 独孤 "
    "轩辕 呼延 申屠 钟离 闻人 赫连 拓跋 "
    "王 李 张 刘 陈 杨 黄 赵 吴 周 徐 孙 马 朱 胡 郭 何 高 林 罗 郑 梁 谢 宋 唐 许 韩 冯 邓 曹 彭 "
    "曾 肖 萧 田 董 袁 潘 蒋 蔡 余 杜 叶 程 苏 魏 吕 丁 任 沈 姚 卢 姜 崔 钟 谭 陆 汪 范 金 石 廖 "
    "贾 夏 韦 付 傅 方 白 邹 孟 熊 秦 邱 江 尹 薛 闫 阎 段 雷 侯 龙 史 陶 黎 贺 顾 毛 郝 龚 邵 万 "
    "钱 严 覃 武 戴 莫 孔 向 汤 常 温 康 施 文 牛 樊 葛 邢 安 齐 易 乔 伍 庞 颜 倪 庄 聂 章 鲁 岳 "
    "翟 殷 詹 申 欧 耿 关 兰 焦 俞 左 柳 甘 祝 包 宁 尚 符 舒 阮 柯 纪 梅 童 凌 毕 单 季 裴 霍 涂 "
    "成 苗 谷 盛 曲 翁 冉 骆 蓝 路 游 辛 靳 管 柴 蒙 鲍 华 喻 祁 蒲 房 滕 屈 饶 解 牟 艾 尤 阳 时 "
    "穆 农 司 卓 古 吉 缪 简 车 项 连 芦 麦 褚 娄 窦 戚 岑 景 党 宫 费 卜 冷 晏 席 卫 米 柏 宗 瞿 "
    "桂 全 佟 应 臧 闵 苟 邬 边 卞 姬 师 和 仇 栾 隋 商 刁 沙 荣 巫 寇 桑 郎 甄 丛 仲 虞 敖 巩 明 "
    "佘 池 查 麻 苑 迟 邝 官 封 谈 匡 鞠 惠 荆 乐 冀 郁 胥 南 班 储 原 栗 燕 楚 鄢 劳 谌 奚 皮 粟 "
    "冼 蔺 楼 盘 满 闻 位 厉 伊 仝 区 郜 海 阚 花 权 强 帅 屠 豆 朴 盖 练 廉 禹 井 祖 漆 巴 丰 支 "
    "卿 国 狄 平 计 索 宣 晋 相 初 门 云 容 敬 来 扈 晁 芮 都 普 阙 浦 戈 伏 鹿 薄 邸 雍 辜 羊 阿 "
    "乌 母 裘 亓 修 邰 赫 杭 况 那 宿 鲜 印 逯 隆 茹 诸 战 慕 危 玉 银 亢 嵇 公 哈 湛 宾 戎 勾 茅 "
    "利 "
    "於 呼 居 揭 干 但 尉 冶 斯 元 束 檀 衣 信 展 阴 昝 智 幸 奉 植 衡 富 尧 闭 由").split()
_SINGLE_SURNAMES = "".join(s for s in _SURNAMES if len(s) == 1)
_COMPOUND_SURNAMES = tuple(s for s in _SURNAMES if len(s) == 2)
# the words may be spaced out, as letters often write them on a form: 举 报 人：颜荣有
_NAME_LABELS = "|".join(r"\s?".join(word) for word in (
    "姓名", "名字", "联系人", "举报人", "投诉人", "来信人", "反映人", "申请人", "当事人", "署名",
    "落款"))
_NAME_WORDS = re.compile(
    rf"(?:{_NAME_LABELS})[\s:：是为叫]{{0,3}}"
    rf"(?P<a>(?:{'|'.join(_COMPOUND_SURNAMES)}|[{_SINGLE_SURNAMES}])[{_HAN}]{{1,2}}?)"
    r"(?=[\s，,。.！!、；;：:（()）]|$|性别|电话|手机|身份|联系|住址|地址|男|女)"
    rf"|(?:我叫|我名叫|本人(?:姓名)?|我的名字[是叫]?)[\s:：是为]{{0,2}}"
    rf"(?P<b>(?:{'|'.join(_COMPOUND_SURNAMES)}|[{_SINGLE_SURNAMES}])[{_HAN}]{{1,2}}?)"
    r"(?=[\s，,。.！!、；;：:（()）]|$|性别|电话|手机|身份|联系|住址|地址|男|女)")

# words that follow 本人/投诉人… and begin with a character that is also a surname
_NOT_A_NAME = frozenset(
    "权益 信息 居民 居住 申请 申报 成绩 成员 母亲 父亲 解释 解决 支取 支付 和联 和电 向其 向贵 "
    "向我 向你 向您 于是 应当 应该 关系 名下 签字 承诺 同意 房屋 家庭 家属 时间 单位 有关 及其 "
    "全家 全部 "
    "多次 强烈 曾经 姓名 身份 户口 户籍 明确 明白 方面 原因 原来 原籍 和家 和其 和妻 和丈 常住 "
    "亲自 亲属 要求 表示 承担 相关 连续 从事 从小 从未 通过 路过 来信 来到 车辆 房产 住房 文化 "
    "毕业 "
    "高中 初中 安置 安排 符合 孙子 女儿 儿子 家里 家住 现年 现住 现在 年龄 于年 万分 东方".split())

_CJK = re.compile(r"[\u2E80-\u9FFF\uF900-\uFAFF\U00020000-\U0003FFFF]")
_NAME_SEP = r"[\s·•._-]{0,2}"   # what people put inside a name: 王 小 明, 王　小明, Wang-Xiaoming


def mask_name(name: str | None) -> str:
    """The writer's name as published: 王小明 → 王**, John Smith → J***, nothing → 匿名.

    A Chinese name keeps its first character (usually the surname) and shows one * per
    remaining character; a one-character name becomes 王* so the public form never equals
    the full name. Other names keep the first letter and a fixed *** (the length of a Latin
    name says more than its character count). An empty name is published as 匿名 rather than
    "" so every public letter shows who wrote it in the same place.
    """
    if name is None:
        return ANONYMOUS
    name = unicodedata.normalize("NFC", " ".join(name.split()))
    if not name:
        return ANONYMOUS
    if _CJK.match(name):
        compact = name.replace(" ", "")
        return compact[0] + "*" * max(len(compact) - 1, 1)
    return name[0] + "***"


def find_personal_data(text: str, *, names: Iterable[str] = (),
                       romanize: Romanize | None = None) -> list[tuple[str, str]]:
    """Every (kind, text as written) a publication must not contain, in order of position.
    `romanize` spells the Chinese `names` in pinyin (else the installed romanizer)."""
    return [(kind, text[start:end]) for start, end, kind, _ in _find(text, names, romanize)]


def redact(text: str, *, names: Iterable[str] = (), romanize: Romanize | None = None) -> str:
    """The public version of `text`: personal data replaced by placeholders, names masked.
    `romanize` spells the Chinese `names` in pinyin (else the installed romanizer)."""
    pieces: list[str] = []
    at = 0
    for start, end, _, replacement in _find(text, names, romanize):
        pieces += [text[at:start], replacement]
        at = end
    pieces.append(text[at:])
    return "".join(pieces)


class _Spans:
    """Sorted, non-overlapping (start, end, kind, replacement); the first added for a place wins."""

    def __init__(self) -> None:
        self._starts: list[int] = []
        self._items: list[tuple[int, int, str, str]] = []

    def add(self, start: int, end: int, kind: str, replacement: str = "") -> None:
        if end <= start:
            return
        i = bisect.bisect_right(self._starts, start)
        if i > 0 and self._items[i - 1][1] > start:
            return
        if i < len(self._items) and self._items[i][0] < end:
            return
        self._starts.insert(i, start)
        self._items.insert(i, (start, end, kind, replacement or PLACEHOLDERS[kind]))

    def __iter__(self) -> Iterator[tuple[int, int, str, str]]:
        return iter(self._items)


def _find(text: str, names: Iterable[str] = (), romanize: Romanize | None = None) -> _Spans:
    """Personal data in `text`, matched in its folded form; earlier rules win overlaps."""
    folded = text.translate(_FOLD)
    wide = text.translate(_FOLD_WIDTH)
    found = _Spans()
    _emails(folded, found)
    for kind, pattern in _PATTERNS:
        for m in pattern.finditer(folded):
            if kind == "passport":
                group = "doc" if m.group("doc") else "bare"
                found.add(m.start(group), m.end(group), kind)
            elif kind == "mobile" and not _grouped_like_a_number(m.group("num")):
                continue
            else:
                found.add(m.start(), m.end(), kind)
    for m in _QQ.finditer(folded):
        found.add(m.start("id"), m.end("id"), "qq")
    for m in _WECHAT.finditer(folded):
        group = "id" if m.group("id") else "wxid"
        found.add(m.start(group), m.end(group), "wechat")
    for word in _PHONE_WORDS.finditer(folded):
        run = _LOCAL_RUN.match(folded, word.end())
        if run:
            for one in _LOCAL_ONE.finditer(folded, run.start(), run.end()):
                found.add(one.start(), one.end(), "phone")
    # the writer's own names before the names guessed from the text around them
    for pattern, replacement in _name_patterns(tuple(names), romanize or _romanize):
        for m in pattern.finditer(folded):
            found.add(m.start(), m.end(), "name", replacement or _masked(text[m.start():m.end()]))
    for m in _ADDRESSEE.finditer(wide):
        group = next(g for g in ("q", "u", "s", "h") if m.group(g) is not None)
        start, end = m.span(group)
        handle = text[start:end].strip()
        if handle and "*" not in handle and re.search(rf"[A-Za-z{_HAN}]", handle) \
                and not any(w in handle for w in _NOT_A_HANDLE) and handle != ANONYMOUS:
            start = start + (len(text[start:end]) - len(text[start:end].lstrip()))
            found.add(start, start + len(handle), "name", mask_name(handle))
    for m in _NAME_WORDS.finditer(wide):
        group = "a" if m.group("a") else "b"
        if wide[m.start(group):m.start(group) + 2] in _NOT_A_NAME:
            continue
        start, end = m.start(group), m.end(group)
        found.add(start, end, "name", mask_name(text[start:end]))
    for m in _ADDRESS.finditer(folded):
        found.add(m.start(), m.end(), "address")
    return found


# --- e-mail: anchored on its "@" however written, then bounded looks either side ------------

_AT = re.compile(
    r"\s{0,3}@\s{0,3}"
    r"|\s{0,2}[(\[{<（【]\s?(?:at|艾特|圈a)\s?[)\]}>）】]\s{0,2}"
    r"|\s{1,3}(?:at|AT|At)\s{1,3}"
    r"|\s?艾特\s?")
_LOCAL = re.compile(rf"(?:[A-Za-z0-9*._%+-]{{1,64}}|[{_HAN}0-9]{{1,4}})\Z")
_DOT = (r"(?:\s{0,2}[.。．]\s{0,2}|\s{0,2}[(\[{<（【]\s?(?:dot|点)\s?[)\]}>）】]\s{0,2}"
        r"|\s{1,3}(?:dot|DOT|Dot)\s{1,3}|\s?点\s?)")
_LABEL = rf"(?:[A-Za-z0-9](?:[A-Za-z0-9-]{{0,61}}[A-Za-z0-9])?|[{_HAN}]{{1,12}})"
_DOMAIN = re.compile(
    rf"{_LABEL}(?:{_DOT}{_LABEL}){{0,5}}?{_DOT}(?:[A-Za-z]{{2,6}}|中国|公司|网络|中國|香港|台湾)"
    r"(?![A-Za-z0-9]|[.．][A-Za-z0-9])")


def _emails(folded: str, found: _Spans) -> None:
    for at in _AT.finditer(folded):
        local = _LOCAL.search(folded, max(0, at.start() - 64), at.start())
        if local is None or (local.group(0).strip("*.") == "" and "@" not in at.group(0)):
            continue
        if not re.search(r"[A-Za-z0-9*]", local.group(0)) and "@" not in at.group(0):
            continue   # "艾特" between two Chinese words is not an e-mail address
        domain = _DOMAIN.match(folded, at.end())
        if domain is None:
            continue
        if "@" not in at.group(0) and not re.match(r"[A-Za-z0-9]", local.group(0)[-1:]):
            continue
        start = local.start()
        if _CJK.match(local.group(0)):   # 邮箱是张三@例子.中国: the address is 张三@…
            start += max((local.group(0).rfind(c) + 1 for c in "邮箱件是为到至给发"), default=0)
            if start == at.start():
                continue
        found.add(start, domain.end(), "email")


# --- names ----------------------------------------------------------------------------------

def _masked(written: str) -> str:
    if _CJK.match(written):
        return mask_name(re.sub(r"[\s·•._-]", "", written))
    return written.strip()[:1] + "***"


def _joined(chars: str) -> str:
    """A name's characters with what people put between them (王 小 明, Wang-Xiaoming)."""
    return _NAME_SEP.join(re.escape(c) for c in chars.translate(_FOLD) if not c.isspace())


@functools.lru_cache(maxsize=256)
def _name_patterns(names: tuple[str, ...], romanize: Romanize | None
                   ) -> list[tuple[re.Pattern[str], str]]:
    """(pattern, replacement) per written form of each name, longest first; a replacement of
    "" means the masked form of what was matched."""
    forms: dict[str, tuple[str, str]] = {}    # pattern text → (replacement, length key)
    for raw in names:
        name = unicodedata.normalize("NFC", " ".join((raw or "").split()))
        if len(name.replace(" ", "")) < 2:    # one character would mask every 王 in the letter
            continue
        if _CJK.match(name):
            compact = name.replace(" ", "")
            forms[_joined(compact)] = ("", compact)
            surname = _surname(compact)
            given = compact[len(surname):]
            if len(given) >= 2:               # 小明 alone when the writer is 王小明
                forms[_joined(given)] = ("*" * len(given), given)
            for spelling in _pinyin_forms(surname, given, romanize):
                forms[spelling] = ("", spelling)
        else:
            words = name.split()
            sep = r"[\s._-]{0,2}"
            forms[rf"(?<![A-Za-z0-9]){sep.join(_joined(w) for w in words)}(?![A-Za-z0-9])"] = \
                ("", name)
    ordered = sorted(forms.items(), key=lambda kv: len(kv[1][1]), reverse=True)
    return [(re.compile(p, re.IGNORECASE), replacement) for p, (replacement, _) in ordered]


def _surname(name: str) -> str:
    return name[:2] if name[:2] in _COMPOUND_SURNAMES else name[:1]


def _pinyin_forms(surname: str, given: str, romanize: Romanize | None) -> list[str]:
    """Wang Xiaoming, wangxiaoming, Xiaoming Wang, Wang Xiao-ming and the given name alone."""
    if romanize is None:    # never optional: without it the pinyin forms would be published
        raise LookupError("no romanizer installed: privacy.use_romanizer(adapters.pinyin."
                          "romanize) before masking Chinese names")

    def syllables(chars: str) -> list[str]:
        out = []
        for readings in romanize(chars):
            spellings = set()
            for r in readings[:4]:
                spellings |= {r, r.replace("v", "u"), r.replace("v", "yu")}
            if not spellings:
                return []
            out.append("(?:" + "|".join(sorted(map(re.escape, spellings))) + ")")
        return out

    s, g = syllables(surname), syllables(given)
    if not s or not g or len(s) != len(surname) or len(g) != len(given):
        return []
    sep = r"[\s'’._-]{0,2}"
    inner = r"[\s'’-]?"
    family, first = inner.join(s), inner.join(g)
    edge_l, edge_r = r"(?<![A-Za-z])", r"(?![A-Za-z])"
    out = [f"{edge_l}{family}{sep}{first}{edge_r}", f"{edge_l}{first}{sep}{family}{edge_r}"]
    if len(g) >= 2:
        out.append(f"{edge_l}{first}{edge_r}")
    return out
