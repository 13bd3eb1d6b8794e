"""weizhili.text.address: names, aliases, building/unit/room, fuzzy, description fallback, aliases from fixes."""

import subprocess
import sys

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from weizhili.text.address import Gazetteer, band_for, normalise
from weizhili.text.numerals import cn_to_int

LONGQUAN, XIANGGANG = 1, 2
JUNLIN, LONGQUAN_XQ, MINGZHU_A, MINGZHU_B, XIANGGANG_XQ = 10, 11, 12, 13, 14


@pytest.fixture
def gaz() -> Gazetteer:
    return Gazetteer(
        [
            (LONGQUAN, "community", "龙泉社区", None),
            (XIANGGANG, "community", "香港街社区", None),
            (JUNLIN, "compound", "君临天下小区", LONGQUAN),
            (LONGQUAN_XQ, "compound", "龙泉小区", XIANGGANG),
            (MINGZHU_A, "compound", "明珠花园", XIANGGANG),
            (MINGZHU_B, "compound", "明珠家园", LONGQUAN),
            (XIANGGANG_XQ, "compound", "锦绣华庭", XIANGGANG),
        ],
        aliases=[(JUNLIN, "君临天下"), (MINGZHU_A, "明珠"), (MINGZHU_B, "明珠")],
        buildings={JUNLIN: {3: 300, 5: 500}},
        units={300: {2: 3002}},
    )


@pytest.mark.parametrize(
    ("address", "building", "unit", "room"),
    [
        ("济南市章丘区明水街道龙泉社区君临天下小区3号楼2单元501", 3, 2, "501"),
        ("君临天下3#2-501", 3, 2, "501"),
        ("君临天下３＃２－５０１", 3, 2, "501"),
        ("君临天下3-2-501", 3, 2, "501"),
        ("君临天下3栋2单元501室", 3, 2, "501"),
        ("君临天下 3幢 501户", 3, None, "501"),
        ("君临天下3#楼", 3, None, None),
        ("君临天下3号2单元", 3, 2, None),
        ("君临天下三号楼二单元", 3, 2, None),
        ("君临天下十二栋", 12, None, None),
        ("君临天下2单元501", None, 2, "501"),
        ("君临天下501室", None, None, "501"),
        ("君临天下五号楼两单元五〇一", 5, 2, "501"),
    ],
)
def test_building_unit_room_forms(gaz: Gazetteer, address: str, building: int | None, unit: int | None,
                                  room: str | None) -> None:
    m = gaz.match(address)
    assert m.compound_id == JUNLIN and m.community_id == LONGQUAN and m.source == "address"
    assert (m.building_no, m.unit_no, m.room) == (building, unit, room)


def test_known_building_and_unit_ids(gaz: Gazetteer) -> None:
    m = gaz.match("君临天下3#2-501")
    assert (m.building_id, m.unit_id) == (300, 3002)
    assert m.band == "high"
    unknown = gaz.match("君临天下9#2-501")
    assert unknown.building_id is None and "unknown_building" in unknown.flags
    assert unknown.confidence < m.confidence


def test_longest_match_wins(gaz: Gazetteer) -> None:
    # "龙泉" is inside both "龙泉社区" and "龙泉小区": each full name must win over the short key.
    compound = gaz.match("龙泉小区3号楼")
    assert compound.compound_id == LONGQUAN_XQ and compound.community_id == XIANGGANG
    community = gaz.match("龙泉社区君临天下")
    assert community.compound_id == JUNLIN and community.matched == "龙泉社区+君临天下"
    assert "君临天下小区" in gaz.match("君临天下小区").matched


def test_own_community_raises_confidence(gaz: Gazetteer) -> None:
    alone = gaz.match("君临天下3号楼")
    confirmed = gaz.match("龙泉社区君临天下3号楼")
    assert confirmed.confidence > alone.confidence
    assert confirmed.band == "high" and not confirmed.flags


def test_other_community_lowers_and_flags(gaz: Gazetteer) -> None:
    alone = gaz.match("君临天下3号楼")
    conflict = gaz.match("香港街社区君临天下3号楼")
    assert conflict.compound_id == JUNLIN
    assert conflict.confidence < alone.confidence and conflict.band != "high"
    assert "community_conflict" in conflict.flags


def test_shared_alias_is_ambiguous(gaz: Gazetteer) -> None:
    m = gaz.match("明珠2单元501")
    assert m.compound_id is None
    assert set(m.candidates) == {MINGZHU_A, MINGZHU_B}
    assert m.band == "low" and "ambiguous" in m.flags
    assert m.unit_no == 2 and m.room == "501"
    # The community settles it.
    settled = gaz.match("龙泉社区明珠2单元")
    assert settled.compound_id == MINGZHU_B and not settled.candidates


def test_typo_found_by_fuzzy(gaz: Gazetteer) -> None:
    m = gaz.match("君林天下3号楼2单元")
    assert m.compound_id == JUNLIN and m.source == "fuzzy"
    assert m.band in ("medium", "low")
    assert m.building_no == 3 and m.unit_no == 2


def test_unrelated_text_is_not_fuzzy_matched(gaz: Gazetteer) -> None:
    assert gaz.match("百脉泉公园北门对面").band == "none"


def test_description_fallback(gaz: Gazetteer) -> None:
    m = gaz.match("路灯不亮", "反映锦绣华庭5号楼门口路灯坏了")
    assert m.compound_id == XIANGGANG_XQ and m.source == "description"
    assert m.band == "medium"
    assert m.building_no == 5
    # The address wins when it names a compound.
    assert gaz.match("君临天下", "锦绣华庭").compound_id == JUNLIN


def test_vague_address_community_only(gaz: Gazetteer) -> None:
    m = gaz.match("香港街商圈东头")
    assert m.compound_id is None and m.community_id == XIANGGANG
    assert m.band == "low" and "community_only" in m.flags


@pytest.mark.parametrize("address", ["", "不详", "12345转来", "!!!", "汽车站附近"])
def test_nothing_found(gaz: Gazetteer, address: str) -> None:
    m = gaz.match(address)
    assert m.band == "none" and m.confidence == 0.0 and m.compound_id is None


def test_add_alias_fixes_for_good(gaz: Gazetteer) -> None:
    assert gaz.match("老君临东门3号楼").compound_id is None
    gaz.add_alias(JUNLIN, "老君临")
    m = gaz.match("老君临东门3号楼")
    assert m.compound_id == JUNLIN and m.band == "high" and m.building_no == 3
    with pytest.raises(KeyError):
        gaz.add_alias(999, "无此处")
    with pytest.raises(ValueError):
        gaz.add_alias(JUNLIN, "  ")


def test_full_width_name_and_alias() -> None:
    gaz = Gazetteer([(1, "community", "东山社区", None), (2, "compound", "ABC花园", 1)])
    assert gaz.match("ａｂｃ花园３号楼").compound_id == 2
    assert gaz.match("ａｂｃ花园３号楼").building_no == 3
    assert normalise("Ａ Ｂ·Ｃ　３＃") == "abc3#"


@pytest.mark.parametrize(
    ("text", "value"),
    [("一", 1), ("九", 9), ("十", 10), ("十二", 12), ("二十", 20), ("九十九", 99), ("两", 2), ("〇", 0),
     ("零", 0), ("五〇一", 501), ("一百零一", 101), ("12", 12), ("", None), ("十十", None), ("二三十", None),
     ("甲", None)],
)
def test_cn_to_int(text: str, value: int | None) -> None:
    assert cn_to_int(text) == value


def test_bands() -> None:
    assert [band_for(x) for x in (1.0, 0.85, 0.84, 0.6, 0.59, 0.01, 0.0)] == [
        "high", "high", "medium", "medium", "low", "low", "none"]


@settings(max_examples=300, deadline=None)
@given(address=st.text(max_size=60), description=st.text(max_size=60))
def test_never_raises(address: str, description: str) -> None:
    gaz = _GAZ
    m = gaz.match(address, description)
    assert 0.0 <= m.confidence <= 1.0
    assert m.band == band_for(m.confidence)


@settings(max_examples=200, deadline=None)
@given(st.text(alphabet="君临天下龙泉社区明珠0123456789#-－＃号楼栋幢单元室户一二三十两〇零 ", max_size=40))
def test_never_raises_on_address_like_text(address: str) -> None:
    m = _GAZ.match(address)
    assert 0.0 <= m.confidence <= 1.0


_GAZ = Gazetteer(
    [(1, "community", "龙泉社区", None), (10, "compound", "君临天下小区", 1), (12, "compound", "明珠花园", 1),
     (13, "compound", "明珠家园", 1)],
    aliases=[(12, "明珠"), (13, "明珠")],
    buildings={10: {3: 300}},
)


def test_import_pulls_in_no_django() -> None:
    code = (
        "import sys, weizhili.text, weizhili.text.address, weizhili.text.numerals\n"
        "bad = sorted(m for m in sys.modules if m == 'django' or m.startswith('django.'))\n"
        "assert not bad, bad\n"
    )
    result = subprocess.run([sys.executable, "-P", "-c", code], capture_output=True, text=True, timeout=60)
    assert result.returncode == 0, result.stderr
