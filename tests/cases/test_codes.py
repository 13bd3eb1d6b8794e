"""Case codes never collide, a batch of hotline cases names what it could not open, and two imports running at
once never open two cases for one order."""
import itertools
import threading
from datetime import timedelta

import pytest
from django.db import IntegrityError, OperationalError, connection, connections
from django.utils import timezone

from weizhili.cases import services
from weizhili.cases.models import Case, Source
from weizhili.cases.services import case_create
from weizhili.hotline.importing import import_file
from weizhili.hotline.links import cases_for_open_orders
from weizhili.hotline.models import HotlineOrder

from ..hotline.test_importing import row, write_csv


def _digits(monkeypatch, values):
    values = iter(values)
    monkeypatch.setattr(services, "_code_digits", lambda: next(values))


def _new(tree, categories):
    return case_create(place=tree["east_household"], category=categories["sanitation"],
                       description="楼道里堆满了杂物，影响通行")


@pytest.mark.django_db
def test_a_code_already_taken_is_drawn_again(monkeypatch, tree, categories):
    _digits(monkeypatch, [42, 42, 42, 7])
    first = _new(tree, categories)
    second = _new(tree, categories)  # draws 42 twice (taken), then 7
    assert first.code.endswith("000042") and second.code.endswith("000007")
    assert first.code[:8] == second.code[:8] and len(second.code) == 14
    # the surrounding transaction is still usable (a savepoint took the failed insert on PostgreSQL)
    assert Case.objects.count() == 2


@pytest.mark.django_db
def test_no_endless_retry_when_every_draw_is_taken(monkeypatch, tree, categories):
    _digits(monkeypatch, itertools.repeat(42))
    _new(tree, categories)
    with pytest.raises(IntegrityError):
        _new(tree, categories)
    assert Case.objects.count() == 1  # and the transaction still answers


@pytest.mark.django_db
def test_a_large_batch_in_a_crowded_day_opens_every_case(monkeypatch, tree, categories):
    # 150 cases drawing from 1,000 codes: about 11 collisions expected (birthday bound), every one redrawn
    import secrets

    monkeypatch.setattr(services, "_code_digits", lambda: secrets.randbelow(1000))
    cases = [_new(tree, categories) for _ in range(150)]
    assert len({c.code for c in cases}) == 150


# --- hotline batches ----------------------------------------------------------------------------------------
PROBLEMS = ["楼道灯不亮已经一周了", "门口有人乱停车堵路", "下水道堵塞污水外溢", "广场舞音响太吵影响休息", "垃圾桶满了没人清运",
            "健身器材损坏有安全隐患", "单元门禁坏了关不上", "绿化带里有人种菜", "楼顶漏水屋里发霉", "电动车楼道充电危险"]


def _open_orders_file(tmp_path, n=10):
    now = timezone.localtime()
    rows = [row(f"C{i:03d}", (now - timedelta(days=1 + i % 5, hours=i)).strftime("%Y-%m-%d %H:%M"),
                f"{'东苑' if i % 2 else '西苑'}小区{PROBLEMS[i]}", f"{'东苑' if i % 2 else '西苑'}小区{1 + i % 2}号楼",
                resolved="", rating="")
            for i in range(n)]
    return write_csv(tmp_path / "open.csv", rows)


def _groups(street) -> int:
    return len(set(HotlineOrder.objects.filter(street=street, closed_at__isnull=True, compound__isnull=False)
                   .values_list("repeat_group", flat=True)))


@pytest.mark.django_db
def test_a_case_that_cannot_be_opened_is_named_and_the_batch_goes_on(monkeypatch, tmp_path, tree):
    street = tree["street"]
    path = _open_orders_file(tmp_path, n=4)
    # the second case's code is taken on every draw; the others get fresh codes
    _digits(monkeypatch, itertools.chain([1], itertools.repeat(1, services.CODE_ATTEMPTS), itertools.count(2)))
    summary = import_file(path=path, street=street)
    groups = _groups(street)
    assert groups == 4
    assert summary.created_cases == groups - 1 and summary.cases_failed == 1
    failed = HotlineOrder.objects.filter(street=street, case__isnull=True).values_list("order_no", flat=True)
    assert len(failed) == 1 and failed[0] in summary.cases_error and "1 个工单未能建案件" in summary.cases_error
    # importing the same file again opens the missing one, and only that one
    monkeypatch.setattr(services, "_code_digits", itertools.count(100).__next__)
    again = import_file(path=path, street=street)
    assert again.created_cases == 1 and again.cases_failed == 0 and again.cases_error == ""
    assert Case.objects.filter(source=Source.HOTLINE).count() == groups


@pytest.mark.django_db(transaction=True)
def test_two_imports_at_once_never_open_two_cases_for_one_order(flushable_audit, tmp_path, tree):
    street = tree["street"]
    import_file(path=_open_orders_file(tmp_path), street=street, create_cases=False)
    groups = _groups(street)
    barrier = threading.Barrier(2)
    results, errors = [], []

    def run():
        try:
            barrier.wait()
            results.append(cases_for_open_orders(street=street))
        except OperationalError as exc:  # SQLite's shared-cache test database refuses a concurrent writer
            errors.append(exc)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=run) for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=120)
    assert len(results) + len(errors) == 2
    if connection.vendor == "postgresql":
        assert not errors, errors
    hotline_cases = Case.objects.filter(source=Source.HOTLINE)
    # never two cases for one group (order), whatever the database did to the loser
    assert hotline_cases.count() == len(set(hotline_cases.values_list("external_ref", flat=True)))
    assert hotline_cases.count() == sum(r.created for r in results)
    linked = HotlineOrder.objects.filter(street=street, case__isnull=False)
    assert all(o.case.external_ref in set(linked.filter(repeat_group=o.repeat_group)
                                          .values_list("order_no", flat=True)) for o in linked)
    if connection.vendor == "postgresql":
        # the second waited for the group's row locks, then found the orders linked and left them
        assert hotline_cases.count() == groups
        assert sum(r.created for r in results) == groups and not any(r.failed for r in results)
        assert sum(r.already_open for r in results) >= 1
