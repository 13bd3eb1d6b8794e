"""Masking, exactly: what stays visible of each kind of value, found by mutation testing (bench/bench_mutation.py)."""
import pytest

from weizhili.people.masking import (
    mask_id_number,
    mask_name,
    mask_numbers_in_text,
    mask_phone,
    mask_phones_in_text,
    mask_room,
)


@pytest.mark.parametrize(("phone", "masked"), [
    ("13812345678", "138****5678"),
    ("0531888888", "053*****88"),     # not a mobile number: first 3 and last 2 kept
    ("053188888888", "053*******88"),  # 12 digits is no mobile number either
    ("1381234567a", "138******7a"),   # 11 characters but not all digits
    ("12345", "123*45"),              # at least one star, even when nothing would be hidden
    ("1234", "123*34"),
    ("", ""),
])
def test_mask_phone(phone, masked):
    assert mask_phone(phone) == masked


def test_mask_id_number():
    assert mask_id_number("37018119900101123X") == "370181********123X"
    assert mask_id_number("370181900101123") == "370181*****1123"  # 15-digit old cards
    assert mask_id_number("") == ""


@pytest.mark.parametrize(("name", "masked"), [("李", "李"), ("张三", "张*"), ("张三明", "张*明"), ("欧阳中华", "欧**华"), ("", "")])
def test_mask_name(name, masked):
    assert mask_name(name) == masked


@pytest.mark.parametrize(("address", "masked"), [
    ("君临天下 3号楼 2单元 501", "君临天下 3号楼 2单元 ***"),
    ("君临天下3号楼2单元1502室", "君临天下3号楼2单元***室"),
    ("东苑小区 1号楼 302号", "东苑小区 1号楼 ***号"),
    ("东苑小区 1号楼 12", "东苑小区 1号楼 12"),  # two digits are no room number
    ("501 东苑小区", "501 东苑小区"),  # only at the end
    ("", ""),
    (None, ""),
])
def test_mask_room(address, masked):
    assert mask_room(address) == masked


@pytest.mark.parametrize(("text", "masked"), [
    ("请联系13912345678", "请联系139****5678"),
    ("电话139-1234-5678，谢谢", "电话139****5678，谢谢"),
    ("电话 139 1234 5678", "电话 139****5678"),
    ("座机0531-8888 6666", "座机0531****6666"),
    ("座机053188886666", "座机0531****6666"),
    ("区号029-888-6666", "区号029****6666"),
    ("两个13912345678和15800001111", "两个139****5678和158****1111"),
    ("订单号9913912345678不是电话", "订单号9913912345678不是电话"),  # digits around: not a phone number
    ("12912345678", "12912345678"),  # no mobile number begins with 12
    ("没有号码", "没有号码"),
    ("", ""),
    (None, ""),
])
def test_mask_phones_in_text(text, masked):
    assert mask_phones_in_text(text) == masked


@pytest.mark.parametrize(("text", "masked"), [
    ("身份证370181199001011234，电话13912345678", "身份证370181********1234，电话139****5678"),
    ("证号37018119900101123x", "证号370181********123x"),
    ("老证370181900101123", "老证370181*****1123"),
    ("3号楼2单元501，工单号2023051212", "3号楼2单元501，工单号2023051212"),
    ("A370181199001011234", "A370181199001011234"),  # part of a longer code, not an ID number
])
def test_mask_numbers_in_text_masks_id_numbers_and_phones(text, masked):
    assert mask_numbers_in_text(text) == masked
