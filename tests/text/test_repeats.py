import random
from datetime import UTC, datetime, timedelta

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from weizhili.text import repeats
from weizhili.text.repeats import Order, find_repeat_groups

T0 = datetime(2025, 5, 1, 9, 30, tzinfo=UTC)

GARBAGE = "3号楼楼下垃圾堆了好几天没人清运，味道很大，请尽快处理"
GARBAGE_AGAIN = "3号楼楼下垃圾好几天没人清运了，味道很大"
NOISE = "3号楼楼下晚上施工噪音很大，影响休息"
LIFT = "2单元电梯经常坏，物业一直不修"

# other orders of the street, so the TF-IDF weights look like a real day's batch
BACKGROUND = [
    Order(f"bg{i}", f"compound:{100 + i}", T0 + timedelta(hours=i), text)
    for i, text in enumerate(
        [
            "小区东门路灯坏了，晚上很黑",
            "楼道里电动车充电，有火灾隐患",
            "广场舞音响太吵，影响休息",
            "地下车库积水严重",
            "物业费乱收费没有公示",
            "消防通道被私家车占了",
            "暖气不热，室温只有十几度",
            "井盖丢了很危险",
        ]
    )
]


def day(n: float) -> datetime:
    return T0 + timedelta(days=n)


def groups_of(orders: list[Order], **kwargs: float) -> dict[object, int]:
    ids = find_repeat_groups([*orders, *BACKGROUND], **kwargs)
    return {order.id: ids[i] for i, order in enumerate(orders)}


def test_same_compound_same_problem_three_days_apart_groups() -> None:
    g = groups_of(
        [
            Order("a", "compound:1", day(0), GARBAGE),
            Order("b", "compound:1", day(3), "市民来电反映：" + GARBAGE_AGAIN),
        ]
    )
    assert g["a"] == g["b"] == 0  # the smallest index of the group


def test_same_text_in_another_compound_does_not_group() -> None:
    g = groups_of([Order("a", "compound:1", day(0), GARBAGE), Order("b", "compound:2", day(1), GARBAGE)])
    assert g["a"] != g["b"]


def test_same_compound_different_problem_does_not_group() -> None:
    g = groups_of(
        [
            Order("a", "compound:1", day(0), GARBAGE),
            Order("b", "compound:1", day(1), NOISE),
            Order("c", "compound:1", day(2), LIFT),
        ]
    )
    assert len({g["a"], g["b"], g["c"]}) == 3


def test_outside_the_window_does_not_group() -> None:
    orders = [Order("a", "compound:1", day(0), GARBAGE), Order("b", "compound:1", day(40), GARBAGE)]
    g = groups_of(orders)
    assert g["a"] != g["b"]
    g = groups_of(orders, window_days=45)
    assert g["a"] == g["b"]


def test_the_window_edge_is_inclusive() -> None:
    g = groups_of([Order("a", "compound:1", day(0), GARBAGE), Order("b", "compound:1", day(30), GARBAGE)])
    assert g["a"] == g["b"]


def test_a_transitive_chain_groups_all_three() -> None:
    # A and C are 50 days apart (outside the window), B sits between them: one group all the same.
    orders = [
        Order("c", "compound:1", day(50), GARBAGE),
        Order("a", "compound:1", day(0), GARBAGE),
        Order("b", "compound:1", day(25), GARBAGE_AGAIN),
    ]
    g = groups_of(orders)
    assert g["a"] == g["b"] == g["c"] == 0


def test_text_chain_groups_transitively() -> None:
    a = "3号楼楼下垃圾堆了好几天没人清运"
    b = "3号楼楼下垃圾堆了好几天没人清运，污水流到路上，苍蝇很多"
    c = "污水流到路上，苍蝇很多"
    alone = groups_of([Order("a", "k", day(0), a), Order("c", "k", day(2), c)])
    assert alone["a"] != alone["c"]  # A and C share nothing
    g = groups_of([Order("a", "k", day(0), a), Order("b", "k", day(1), b), Order("c", "k", day(2), c)])
    assert g["a"] == g["b"] == g["c"]


def test_orders_without_place_key_never_group() -> None:
    orders = [
        Order("a", None, day(0), GARBAGE),
        Order("b", None, day(0), GARBAGE),
        Order("c", "", day(0), GARBAGE),
    ]
    assert find_repeat_groups(orders) == [0, 1, 2]


def test_edge_cases() -> None:
    assert find_repeat_groups([]) == []
    assert find_repeat_groups([Order(1, "k", day(0), "")] * 3) == [0, 1, 2]  # no text, nothing to compare
    with pytest.raises(ValueError, match="window_days"):
        find_repeat_groups([], window_days=-1)


def test_threshold_controls_grouping() -> None:
    orders = [Order("a", "k", day(0), GARBAGE), Order("b", "k", day(1), NOISE)]
    assert len(set(find_repeat_groups(orders, threshold=0.0))) == 1
    assert len(set(find_repeat_groups(orders, threshold=1.0))) == 2


def test_a_busy_bucket_spanning_several_chunks() -> None:
    # 600 orders in one compound, one a day alternating two problems: each problem forms one group.
    orders = [Order(i, "k", day(i * 0.1), GARBAGE if i % 2 else LIFT) for i in range(600)]
    ids = find_repeat_groups(orders, window_days=1)
    assert set(ids) == {0, 1}
    assert all(ids[i] == i % 2 for i in range(600))


# --- property: the partition does not depend on the input order ---------------------------------------

TEXTS = [GARBAGE, GARBAGE_AGAIN, NOISE, LIFT, "小区东门路灯坏了", "东门路灯坏了好几天"]

order_lists = st.lists(
    st.builds(
        lambda place, days, text: (place, days, text),
        st.sampled_from(["k1", "k2", None]),
        st.integers(min_value=0, max_value=90),
        st.sampled_from(TEXTS),
    ),
    max_size=25,
)


def partition(orders: list[Order], ids: list[int]) -> set[frozenset[object]]:
    members: dict[int, set[object]] = {}
    for order, gid in zip(orders, ids, strict=True):
        members.setdefault(gid, set()).add(order.id)
    return {frozenset(m) for m in members.values()}


@settings(max_examples=60, deadline=None)
@given(rows=order_lists, data=st.data())
def test_partition_is_stable_under_permutation(
    rows: list[tuple[str | None, int, str]], data: st.DataObject
) -> None:
    orders = [Order(i, place, day(days), text) for i, (place, days, text) in enumerate(rows)]
    shuffled = data.draw(st.permutations(orders))
    ids = find_repeat_groups(orders)
    shuffled_ids = find_repeat_groups(shuffled)
    assert partition(orders, ids) == partition(shuffled, shuffled_ids)
    # group ids are the smallest index in the group
    for i, gid in enumerate(ids):
        assert gid <= i and ids[gid] == gid


# --- normalisation, odd texts, long texts, crowded buckets ------------------------------------------------


def test_spaces_full_width_and_case_do_not_matter() -> None:
    g = groups_of(
        [
            Order("a", "compound:1", day(0), "3号楼 电梯 坏了，WiFi 也断了，物业不管"),
            Order("b", "compound:1", day(1), "３号楼电梯坏了，ｗｉｆｉ也断了，物业不管"),
        ]
    )
    assert g["a"] == g["b"]


def test_long_texts_are_compared_by_their_start() -> None:
    head = GARBAGE * 5  # longer than repeats.MAX_CHARS
    assert len(head) > repeats.MAX_CHARS
    g = groups_of(
        [
            Order("a", "compound:1", day(0), head + LIFT * 20),
            Order("b", "compound:1", day(1), head + NOISE * 20),
        ]
    )
    assert g["a"] == g["b"]


def test_odd_characters_do_not_break_anything() -> None:
    odd = [
        "𠀀𠀁号楼楼下垃圾堆了好几天🙂🙂没人清运",  # beyond the BMP
        "\ud800孤立的代理项\x00和空字符",  # a lone surrogate and a NUL
        "   \t\n　",  # only spaces: no text at all
        "a",
        "",
    ]
    orders = [Order(i, "k", day(i), text) for i, text in enumerate(odd + odd)]
    ids = find_repeat_groups(orders, window_days=100)
    for i in range(len(odd)):
        j = i + len(odd)
        if odd[i].strip():  # the same non-empty text twice: one group
            assert ids[j] == ids[i] == i
        else:
            assert ids[j] == j and ids[i] == i
    assert len({ids[i] for i in range(len(odd)) if odd[i].strip()}) == 3


def test_a_burst_in_a_long_busy_bucket() -> None:
    # 3,000 different problems in one building, one every 10 days, and 40 calls about one burst pipe within
    # an hour: the burst's pairs reach far beyond the usual band of a row's partners.
    rng = random.Random(5)
    chars = [chr(c) for c in range(0x4E00, 0x4E00 + 3000)]
    spread = [Order(f"s{i}", "k", day(10 * i), "".join(rng.sample(chars, 30))) for i in range(3000)]
    burst = [Order(f"b{i}", "k", day(15_000.01 + i / 1440), "楼上暖气管道爆裂，水顺着楼梯往下流") for i in range(40)]
    orders = spread + burst
    ids = find_repeat_groups(orders)
    assert {ids[i] for i in range(3000, 3040)} == {3000}
    assert ids[:3000] == list(range(3000))
