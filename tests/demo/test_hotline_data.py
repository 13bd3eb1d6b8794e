"""The 12345 work-order generator: volume model, row shapes, repeats and the xlsx/csv writers (no database)."""

import csv
import difflib
import re
from collections import Counter, defaultdict
from datetime import date, datetime, timedelta
from itertools import islice
from statistics import median

import pytest
from python_calamine import CalamineWorkbook

from weizhili.demo import hotline_data as hd
from weizhili.demo.hotline_data import (
    HEADERS,
    CompoundSpec,
    bench_compounds,
    generate_labelled,
    generate_orders,
)

START = date(2020, 9, 1)
MONTHS = 36  # 2020-09 .. 2023-08: six months before the first founding (2021-03), ten after the last (2022-11)


def month_index(dt: datetime, start: date = START) -> int:
    return (dt.year - start.year) * 12 + dt.month - start.month


@pytest.fixture(scope="module")
def compounds():
    return bench_compounds()


@pytest.fixture(scope="module")
def labelled(compounds):
    return list(generate_labelled(compounds, start=START, months=MONTHS))


@pytest.fixture(scope="module")
def rows(labelled):
    return [o.row for o in labelled]


def test_bench_compounds_look_like_the_demo_street(compounds):
    assert len(compounds) == 120
    assert len({c.community for c in compounds}) == 15
    assert len({c.name for c in compounds}) == 120
    assert all(1 <= c.buildings <= 40 and c.households > 0 for c in compounds)
    founded = [c.founded_on for c in compounds if c.founded_on]
    assert 0.45 <= len(founded) / len(compounds) <= 0.75
    assert all(date(2021, 3, 1) <= d <= date(2022, 11, 30) for d in founded)
    assert next(c for c in compounds if c.name == "君临天下小区").aliases == ("君临天下", "君临天下花园")
    assert bench_compounds(n_communities=20, n_compounds=400)[-1].name  # names do not run out
    assert bench_compounds() == compounds


def test_deterministic_for_a_seed(compounds):
    def first(seed):
        return list(islice(generate_orders(compounds, start=date(2022, 1, 1), months=3, seed=seed), 2000))

    assert first(7) == first(7)
    assert first(7) != first(8)
    labelled_rows = [o.row for o in islice(generate_labelled(compounds, start=date(2022, 1, 1), months=3), 2000)]
    assert labelled_rows == first(7)


def test_rows_are_well_formed_sorted_and_unique(rows):
    assert all(len(r) == len(HEADERS) for r in rows)
    numbers = [r[0] for r in rows]
    assert len(set(numbers)) == len(numbers)
    assert all(re.fullmatch(r"SD12345\d{14}", n) for n in numbers)
    assert all(n[7:15] == r[1].strftime("%Y%m%d") for n, r in zip(numbers, rows, strict=True))
    times = [r[1] for r in rows]
    assert times == sorted(times)
    assert all(t.tzinfo is None for t in times)
    months = {(t.year, t.month) for t in times}
    assert len(months) == MONTHS and min(months) == (2020, 9) and max(months) == (2023, 8)
    for r in rows:
        received, closed, signed = r[1], r[6], r[10]
        if signed is None:  # not yet signed at `now` (the end of the last month)
            assert received > datetime(2023, 9, 1) - timedelta(hours=30) and closed is None
            continue
        assert timedelta(minutes=5) <= signed - received <= timedelta(hours=30)
        if closed is not None:
            assert timedelta(days=1) <= closed - received and closed > signed
            assert r[7] in ("是", "否") and r[8] in ("满意", "基本满意", "不满意", "未评价")
        assert r[9] in ("一般", "紧急")
        assert r[2].endswith("。")


def test_office_hours_and_urgency(rows):
    hours = Counter(r[1].hour for r in rows)
    assert sum(hours[h] for h in range(8, 18)) / len(rows) > 0.6
    assert hours[10] > 10 * hours[3]
    urgent = sum(r[9] == "紧急" for r in rows) / len(rows)
    assert 0.03 <= urgent <= 0.08


def test_street_total_starts_near_monthly_total(compounds, rows):
    per_month = Counter(month_index(r[1]) for r in rows)
    assert abs(per_month[0] - 1500) / 1500 < 0.1
    small = list(generate_orders(compounds, start=date(2021, 1, 1), months=1, monthly_total=300, seed=3))
    assert 240 <= len(small) <= 360


def test_branch_effect(labelled, compounds):
    """After the founding month and three ramp months, branch compounds call about half as often; the others
    do not change over the same months (the seasonal factor is common to both)."""
    counts = Counter((o.compound, month_index(o.row[1])) for o in labelled if o.compound)
    without = [c.name for c in compounds if c.founded_on is None]
    branch_before = branch_after = control_before = control_after = 0
    for c in compounds:
        if c.founded_on is None:
            continue
        f = month_index(datetime(c.founded_on.year, c.founded_on.month, 1))
        before, after = range(f - 6, f), range(f + 4, f + 10)
        assert before.start >= 0 and after.stop <= MONTHS
        branch_before += sum(counts[c.name, m] for m in before)
        branch_after += sum(counts[c.name, m] for m in after)
        control_before += sum(counts[name, m] for name in without for m in before)
        control_after += sum(counts[name, m] for name in without for m in after)
    branch_ratio, control_ratio = branch_after / branch_before, control_after / control_before
    assert 0.4 < branch_ratio < 0.65
    assert 0.85 < control_ratio < 1.2
    assert branch_ratio < 0.7 * control_ratio


def test_effect_zero_keeps_every_compound_level(compounds):
    rows = generate_labelled(compounds, start=date(2021, 1, 1), months=24, effect=0.0, seed=11)
    per_month = Counter(month_index(o.row[1], date(2021, 1, 1)) for o in rows)
    # same calendar months one year apart: only noise differs
    for m in range(12):
        assert abs(per_month[m + 12] - per_month[m]) / per_month[m] < 0.15


def test_resolution_better_after_founding(labelled, compounds):
    founded = {c.name: c.founded_on for c in compounds if c.founded_on}
    tally = defaultdict(Counter)
    for o in labelled:
        f, row = founded.get(o.compound), o.row
        if f is None or not row[7]:
            continue
        months_after = month_index(row[1]) - month_index(datetime(f.year, f.month, 1))
        phase = "before" if months_after <= 0 else "after" if months_after > 3 else None
        if phase:
            tally[phase][row[7]] += 1
            tally[phase + "_sat"][row[8]] += 1
    rate = {p: tally[p]["是"] / sum(tally[p].values()) for p in ("before", "after")}
    assert 0.8 < rate["before"] < rate["after"] < 0.93
    sat = {p: tally[p + "_sat"]["满意"] / sum(tally[p + "_sat"].values()) for p in ("before", "after")}
    assert sat["before"] < sat["after"]


def test_resolution_and_satisfaction_shares(rows):
    closed = [r for r in rows if r[6] is not None]
    assert 0.8 <= sum(r[7] == "是" for r in closed) / len(closed) <= 0.9
    sat = Counter(r[8] for r in closed)
    for label, share in (("满意", 0.70), ("基本满意", 0.18), ("不满意", 0.07), ("未评价", 0.05)):
        assert abs(sat[label] / len(closed) - share) < 0.04, label


def test_missing_category_share(rows, compounds):
    share = sum(r[3] == "" for r in rows) / len(rows)
    assert abs(share - 0.1) < 0.015
    more = list(generate_orders(compounds, start=date(2022, 1, 1), months=3, missing_category_share=0.3))
    assert abs(sum(r[3] == "" for r in more) / len(more) - 0.3) < 0.04
    none = generate_orders(compounds, start=date(2022, 1, 1), months=1, missing_category_share=0.0)
    assert all(r[3] for r in none)


def test_categories_three_levels_and_heating_in_winter(labelled):
    categories = Counter(o.category for o in labelled)
    assert len(categories) >= 25
    assert all(len(c.split("-")) == 3 for c in categories)
    assert all(o.row[3] in ("", o.category) for o in labelled)
    heating = [o.row[1].month for o in labelled if o.category == "城乡建设-供热-暖气不热"]
    assert sum(m in (11, 12, 1, 2, 3) for m in heating) / len(heating) > 0.9


def test_repeat_orders(labelled):
    by_number = {o.row[0]: o for o in labelled}
    repeats = [o for o in labelled if o.is_repeat]
    assert 0.12 < len(repeats) / len(labelled) < 0.18
    linked = [o for o in repeats if o.repeat_of]
    assert len(linked) > 0.95 * len(repeats)  # only those whose original lies before `start` have none
    ratios = []
    for o in linked:
        original = by_number[o.repeat_of]
        assert (original.compound, original.building) == (o.compound, o.building)
        assert original.category == o.category
        assert timedelta(days=1) <= o.row[1] - original.row[1] <= timedelta(days=20)
        assert re.search("再次|仍未解决|次反映|又一次", o.row[2])
        assert o.row[0] != original.row[0]
        ratios.append(difflib.SequenceMatcher(None, o.row[2], original.row[2]).ratio())
    assert min(ratios) >= 0.35 and median(ratios) >= 0.6


def test_addresses_written_many_ways(labelled, compounds):
    styles = Counter(o.address_style for o in labelled)
    n = len(labelled)
    assert abs(styles["empty"] / n - 0.03) < 0.01
    assert abs(styles["typo"] / n - 0.02) < 0.008
    assert abs(styles["street"] / n - 0.04) < 0.01
    assert {"full", "hash", "cn_numeral", "full_width", "dong", "alias", "community_alias"} <= set(styles)
    addresses = [o.row[4] for o in labelled]
    assert any("３号楼" in a for a in addresses)
    assert any(re.search(r"\d+#\d+-\d+", a) for a in addresses)
    assert any(a.startswith("济南市章丘区明水街道") for a in addresses)
    known = {o.compound for o in labelled if o.compound}
    names = {c.name for c in compounds}
    assert known <= names
    every_name = names | {a for c in compounds for a in c.aliases}
    for o in labelled:
        if o.address_style == "empty":
            assert o.row[4] == "" and o.row[2].count("号楼") >= 1
            spec = next(c for c in compounds if c.name == o.compound)
            assert any(name in o.row[2] for name in (spec.name, *spec.aliases))
        elif o.address_style == "typo":
            assert o.compound not in o.row[4]
        elif o.compound is None:  # names no compound at all
            assert not any(name in o.row[4] or name in o.row[2] for name in every_name)


def test_open_orders_only_near_now(compounds):
    now = datetime(2022, 6, 20, 12, 0)
    rows = list(generate_orders(compounds, start=date(2022, 5, 1), months=3, now=now))
    assert max(r[1] for r in rows) < now
    assert min(r[1] for r in rows) >= datetime(2022, 5, 1)
    open_rows = [r for r in rows if r[6] is None]
    assert open_rows and all(now - r[1] <= timedelta(days=10) for r in open_rows)
    assert all(r[7] == "" and r[8] == "" for r in open_rows)
    assert all(r[6] <= now for r in rows if r[6] is not None)
    assert all(r[10] is None or r[10] <= now for r in rows)


def test_compound_without_aliases_and_validation():
    lone = [CompoundSpec("一号院", "某社区", (), 1, 10, None)]
    rows = list(generate_orders(lone, start=date(2022, 1, 1), months=2, monthly_total=50))
    assert 70 <= len(rows) <= 130
    with pytest.raises(ValueError):
        generate_orders(lone, start=date(2022, 1, 1), months=0)
    with pytest.raises(ValueError):
        generate_orders(lone, start=date(2022, 1, 1), months=1, effect=1.5)


def test_xlsx_round_trip(tmp_path, compounds):
    rows = list(islice(generate_orders(compounds, start=date(2022, 11, 1), months=2), 3000))
    rows += list(generate_orders(compounds, start=date(2022, 12, 1), months=1))[-200:]  # open orders too
    path = tmp_path / "orders.xlsx"
    assert hd.write_xlsx(path, rows, title="明水街道12345工单") == len(rows)
    data = CalamineWorkbook.from_path(str(path)).get_sheet_by_index(0).to_python(skip_empty_area=False)
    assert data[0][0] == "明水街道12345工单"
    assert tuple(data[1]) == HEADERS
    expected = [tuple("" if v is None else v for v in r) for r in rows]
    assert [tuple(r) for r in data[2:]] == expected

    plain = tmp_path / "plain.xlsx"
    hd.write_xlsx(plain, rows[:5])
    data = CalamineWorkbook.from_path(str(plain)).get_sheet_by_index(0).to_python()
    assert tuple(data[0]) == HEADERS and len(data) == 6


def test_xlsx_refuses_more_rows_than_a_sheet_holds(tmp_path, compounds, monkeypatch):
    monkeypatch.setattr(hd, "EXCEL_MAX_ROWS", 11)
    rows = islice(generate_orders(compounds, start=date(2022, 1, 1), months=1), 20)
    with pytest.raises(ValueError, match="do not fit"):
        hd.write_xlsx(tmp_path / "big.xlsx", rows)


@pytest.mark.parametrize("encoding", ["utf-8-sig", "gb18030"])
def test_csv_round_trip(tmp_path, compounds, encoding):
    rows = list(islice(generate_orders(compounds, start=date(2022, 12, 1), months=1), 2000))
    rows[0] = rows[0][:4] + ("君临天下小区３号楼２单元", *rows[0][5:])  # full-width digits survive GB18030
    path = tmp_path / "orders.csv"
    assert hd.write_csv(path, rows, encoding=encoding) == len(rows)
    with open(path, encoding=encoding, newline="") as fh:
        data = list(csv.reader(fh))
    assert tuple(data[0]) == HEADERS
    assert len(data) == len(rows) + 1

    def as_text(v):
        return "" if v is None else v.strftime("%Y-%m-%d %H:%M:%S") if isinstance(v, datetime) else v

    assert [tuple(r) for r in data[1:]] == [tuple(as_text(v) for v in r) for r in rows]
    if encoding == "gb18030":
        assert path.read_bytes()[:3] != b"\xef\xbb\xbf"
