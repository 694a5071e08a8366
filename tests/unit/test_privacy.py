"""Redaction of the public version (invariant 2): what is hidden, what is left alone."""
from __future__ import annotations

import csv
from pathlib import Path

import pytest

from chalicelib.domain.privacy import find_personal_data, mask_name, redact

MOBILE, PHONE, ID, EMAIL, CARD, QQ, WECHAT, PLATE = (
    "[手机号已隐去]", "[电话已隐去]", "[身份证号已隐去]", "[邮箱已隐去]", "[卡号已隐去]",
    "[QQ号已隐去]", "[微信号已隐去]", "[车牌号已隐去]")

# Real bodies from shared/data/citizen-letters/sample_replies.csv (ids 4901, 12383, 85026),
# public contest data with the organisers' pseudonyms; the phone numbers are made up.
REAL_4901 = ("实名举报，8月27号万家丽路高架桥北往南方向现24轮超长大型货车，严重影响机动车正常通行，"
             "有较大安全隐患，货车牌照鄂AP185挂、*AH556挂（该车省份简称被泥土遮挡）。据我所知，"
             "万家丽高架快速路全线禁止载货汽车，请交警部门查明。")
REAL_12383 = ("A市绕城高速（三环线）系A市城市交通网络，其他城市如成都、B市等 "
              "城市绕城高速均是不收费的。"
              "我住在河西含浦，在麓谷上班，每天来往均要10元的高速收费，来往很不方便，且路况十分差，"
              "我建议市长能到绕城高速走走，了解一下，为了A市的发展请取消绕城高速的收费。")
REAL_85026 = ("因为看到2018年出台了异地审车的规定，所以想咨询市交警支队车管所，"
              "六年以内的异地牌照5座"
              "小型汽车如何在G市领取检验合格标志？具体到哪里办理？")

# the 30-row excerpt of sample_replies.csv that ships with the demo city (wenzheng/data)
SAMPLE = Path(__file__).resolve().parents[2] / "wenzheng" / "data" / "demo_letters.csv"


# --- what is redacted ----------------------------------------------------------------------

@pytest.mark.parametrize("text, expected", [
    # mobile numbers
    ("电话13812345678", f"电话{MOBILE}"),
    ("我的手机138 1234 5678，谢谢", f"我的手机{MOBILE}，谢谢"),
    ("我的手机138-1234-5678", f"我的手机{MOBILE}"),
    ("请拨+86 138 1234 5678", f"请拨{MOBILE}"),
    ("请拨+86-13812345678", f"请拨{MOBILE}"),
    ("请拨008613812345678", f"请拨{MOBILE}"),
    ("请拨(+86)13812345678", f"请拨{MOBILE}"),
    ("Tel13912345678", f"Tel{MOBILE}"),
    ("１３８１２３４５６７８", MOBILE),                       # full-width digits
    ("１３８－１２３４－５６７８请回电", f"{MOBILE}请回电"),
    ("号码1991234567８", f"号码{MOBILE}"),                 # mixed half/full width
    # landlines with area code
    ("联系电话：0731-84567890。", f"联系电话：{PHONE}。"),
    ("咨询电话：0736- 7898402。", f"咨询电话：{PHONE}。"),    # as written in a real reply
    ("详询可致电：0736－7898402。", f"详询可致电：{PHONE}。"),  # full-width dash, real reply
    ("(0731)84567890", PHONE),
    ("（０７３１）８４５６７８９０", PHONE),
    ("010 8765 4321", PHONE),
    ("0731-84567890转8001", PHONE),
    ("+86 731 84567890", PHONE),
    ("举报电话：0746—5276266", f"举报电话：{PHONE}"),        # em dash
    # local numbers where the text says they are phones
    ("联系电话：3322636。", f"联系电话：{PHONE}。"),
    ("座机 84567890", f"座机 {PHONE}"),
    ("联系方式:84567890", f"联系方式:{PHONE}"),
    ("电话号码是8456789", f"电话号码是{PHONE}"),
    ("电话：3322792、3321147，也可", f"电话：{PHONE}、{PHONE}，也可"),
    ("欢迎拨打7710052或者7179123咨询", f"欢迎拨打{PHONE}或者{PHONE}咨询"),
    # ID-card numbers
    ("身份证号43010219900101123X。", f"身份证号{ID}。"),
    ("身份证号43010219900101123x", f"身份证号{ID}"),
    ("身份证号430102199001011234", f"身份证号{ID}"),
    ("身份证 430102 19900101 1234", f"身份证 {ID}"),
    ("４３０１０２１９９００１０１１２３Ｘ", ID),
    ("旧身份证430102900101123", f"旧身份证{ID}"),
    # bank cards
    ("卡号6222021234567890123", f"卡号{CARD}"),
    ("卡号6225 8873 1760 9911，开户名", f"卡号{CARD}，开户名"),
    ("卡号6222-0212-3456-7890-123", f"卡号{CARD}"),
    ("卡号6222021234567890", f"卡号{CARD}"),
    # e-mail
    ("邮箱zhang.san@163.com。", f"邮箱{EMAIL}。"),
    ("邮箱 Zhang_San+wz@mail.example.gov.cn", f"邮箱 {EMAIL}"),
    ("邮箱13812345678@139.com", f"邮箱{EMAIL}"),                # one e-mail, not a phone
    ("邮箱ｚｓ＠１６３．ｃｏｍ", f"邮箱{EMAIL}"),
    ("民生********@qq.co…", f"民生{EMAIL}…"),                   # partly masked, real reply
    # other contact details
    ("QQ：123456789", f"QQ：{QQ}"),
    ("加我微信号：wxid_abc123", f"加我微信号：{WECHAT}"),
    ("微信：13812345678", f"微信：{MOBILE}"),
])
def test_personal_data_is_replaced_by_its_placeholder(text, expected):
    assert redact(text) == expected


@pytest.mark.parametrize("text, kinds", [
    ("13812345678", ["mobile"]),
    ("0731-84567890", ["phone"]),
    ("43010219900101123X", ["id_number"]),
    ("6222021234567890123", ["bank_card"]),
    ("a@b.cn", ["email"]),
    ("QQ 123456789", ["qq"]),
    ("电话13812345678，邮箱a@b.cn，身份证43010219900101123X",
     ["mobile", "email", "id_number"]),
    ("无", []),
])
def test_find_personal_data_names_each_kind_in_order(text, kinds):
    assert [kind for kind, _ in find_personal_data(text)] == kinds


def test_find_personal_data_returns_the_text_as_written():
    assert find_personal_data("请打１３８ １２３４ ５６７８") == [
        ("mobile", "１３８ １２３４ ５６７８")]


# --- what is left alone --------------------------------------------------------------------

@pytest.mark.parametrize("text", [
    "2019-12-05", "2019-6-18日", "20191205", "2019年12月5日", "2019.5.18",
    "每天来往均要10元", "罚款15000元", "金额12345678元", "￥13812345678", "赔偿13500000000元",
    "〔2019〕12号", "洪招办（2017）28号文件", "12栋3单元", "邮编410000", "2019年",
    "0000-00000000", "0731-0000-00000000", "*****************",   # the organisers' masks
    "拨打12345市民热线", "请致电12345", "1867 2041 1648 1736 1779 2041 1823 1779=147",
    "发票号码6008937", "投诉编号为：*****************60886", "楚A*****************小型轿车",
    "24轮超长大型货车", "UU0081931", "第3.1415926535节",
])
def test_non_personal_numbers_are_left_alone(text):
    assert redact(text) == text
    assert find_personal_data(text) == []


@pytest.mark.parametrize("body", [REAL_12383, REAL_85026])
def test_real_letters_without_contact_details_are_unchanged(body):
    assert redact(body) == body


def test_a_real_letter_loses_its_trailer_plate_and_nothing_else():
    # "鄂AP185挂" is a trailer's plate (province, office, four characters, 挂); the masked one
    # the writer could not read ("*AH556挂") has nothing left to hide
    assert redact(REAL_4901) == REAL_4901.replace("鄂AP185挂", PLATE)


def test_made_up_phone_inside_a_real_letter_is_the_only_change():
    body = REAL_12383.replace("我住在河西含浦", "我住在河西含浦（电话138 0731 2468）")
    assert redact(body) == REAL_12383.replace("我住在河西含浦", f"我住在河西含浦（电话{MOBILE}）")


def test_made_up_landline_and_id_inside_a_real_letter():
    body = REAL_12383 + "举报人：王小明，身份证号43010219900101123X，联系电话：0731-84567890。"
    assert redact(body, names=["王小明"]) == (
        REAL_12383 + f"举报人：王**，身份证号{ID}，联系电话：{PHONE}。")


# --- names ----------------------------------------------------------------------------------

@pytest.mark.parametrize("name, masked", [
    ("王小明", "王**"),
    ("欧阳娜娜", "欧***"),
    ("李四", "李*"),
    ("王", "王*"),                 # the public form never equals the full name
    (" 王小明 ", "王**"),
    ("王 小明", "王**"),
    ("John Smith", "J***"),
    ("jo", "j***"),
    ("", "匿名"),
    ("   ", "匿名"),
    (None, "匿名"),
])
def test_mask_name(name, masked):
    assert mask_name(name) == masked


@pytest.mark.parametrize("text, names, expected", [
    ("我是王小明，王小明的邻居也受影响", ["王小明"], "我是王**，王**的邻居也受影响"),
    ("我是王小明", [" 王小明 "], "我是王**"),
    ("我是欧阳娜娜", ["欧阳娜娜"], "我是欧***"),
    ("Signed, John  Smith.", ["John Smith"], "Signed, J***."),
    ("Signed, JOHN SMITH.", ["John Smith"], "Signed, J***."),
    ("Johnsmithson said", ["John Smith"], "Johnsmithson said"),   # not inside a longer word
    ("王先生和王小明", ["王"], "王先生和王小明"),                   # one character: not searched
    ("王小明电话13812345678", ["王小明"], f"王**电话{MOBILE}"),
    ("没有名字", [], "没有名字"),
    ("空名字", ["", "  "], "空名字"),
])
def test_given_names_are_masked_wherever_they_appear(text, names, expected):
    assert redact(text, names=names) == expected


# --- properties the site-wide scan relies on ------------------------------------------------

PROPERTY_TEXTS = [
    "电话13812345678，座机0731-84567890，身份证43010219900101123X，邮箱a.b@163.com",
    "电话：84567890、84567891或者84567892",
    "１３８ １２３４ ５６７８ 和 ４３０１０２１９９００１０１１２３Ｘ",
    "卡号6225 8873 1760 9911 以及 6222021234567890123",
    "QQ：123456789 微信号：wxid_abc123",
    "王小明（13812345678）王小明",
    "0000-00000000 和 2019-12-05 和 〔2019〕12号",
    REAL_4901 + "电话138 0731 2468",
    REAL_12383,
    "",
]


@pytest.mark.parametrize("text", PROPERTY_TEXTS)
def test_redaction_is_idempotent(text):
    once = redact(text, names=["王小明"])
    assert redact(once, names=["王小明"]) == once


@pytest.mark.parametrize("text", PROPERTY_TEXTS)
def test_nothing_personal_is_found_after_redaction(text):
    assert find_personal_data(redact(text)) == []


def test_sample_letters_redact_cleanly():
    with open(SAMPLE, encoding="utf-8", newline="") as f:
        rows = list(csv.DictReader(f))
    assert rows
    for row in rows:
        for column in ("subject", "body", "reply"):
            text = row.get(column) or ""
            public = redact(text)
            assert find_personal_data(public) == [], (row["id"], column)
            assert redact(public) == public
