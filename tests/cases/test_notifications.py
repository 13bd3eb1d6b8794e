"""Notifications: in-app after commit, e-mail at once or as a morning digest, each sent once."""
import pytest
from django.core import mail
from django.urls import reverse

from weizhili.cases.models import Notification
from weizhili.cases.notify import send_daily_digest, send_instant_emails
from weizhili.cases.services import Actor, case_create, case_transition

from .conftest import T0


@pytest.mark.django_db(transaction=True)
def test_dispatch_notifies_the_assignee_after_commit(flushable_audit, tree, categories, leader):
    case = case_create(place=tree["east_household"], category=categories["sanitation"], description="楼道灯不亮了",
                       now=T0)
    assert Notification.objects.filter(user=leader, case=case).count() == 1


@pytest.mark.django_db
def test_no_notification_when_the_transaction_rolls_back(tree, categories, leader, django_capture_on_commit_callbacks):
    from django.db import transaction

    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        with transaction.atomic():
            case_create(place=tree["east_household"], category=categories["sanitation"], description="楼道灯不亮了",
                        now=T0)
    assert len(callbacks) >= 1 and not Notification.objects.exists()  # only sent once the commit happens


@pytest.mark.django_db
def test_instant_and_daily_email(client, tree, categories, leader, staff, django_capture_on_commit_callbacks):
    client.force_login(leader)
    response = client.post(reverse("accounts:settings"), {"email": "leader@example.org", "email_mode": "instant"})
    assert response.status_code == 302
    worker = staff["community"]
    worker.email, worker.email_mode = "worker@example.org", "daily"
    worker.save()
    with django_capture_on_commit_callbacks(execute=True):
        case = case_create(place=tree["east_household"], category=categories["sanitation"],
                           description="楼道灯不亮了", now=T0)
    with django_capture_on_commit_callbacks(execute=True):
        case_transition(case_id=case.pk, action="escalate", actor=Actor(leader), note="需要社区", now=T0)
    assert send_instant_emails() == 1
    assert mail.outbox[-1].to == ["leader@example.org"] and case.code in mail.outbox[-1].body
    assert send_instant_emails() == 0  # each notification is mailed once
    assert send_daily_digest() == 1
    assert mail.outbox[-1].to == ["worker@example.org"] and "每日" in mail.outbox[-1].subject
    assert send_daily_digest() == 0


@pytest.mark.django_db
def test_settings_need_an_address_for_mail(client, personas):
    client.force_login(personas["community_worker"])
    response = client.post(reverse("accounts:settings"), {"email": "", "email_mode": "daily"})
    assert response.status_code == 200 and "电子邮箱" in response.content.decode()


@pytest.mark.django_db
def test_notification_page_lists_mine_and_marks_them_read(client, tree, categories, leader,
                                                          django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        case_create(place=tree["east_household"], category=categories["sanitation"], description="楼道灯不亮了",
                    now=T0)
    client.force_login(leader)
    home = client.get("/").content.decode()
    assert 'class="badge red">1<' in home
    body = client.get(reverse("cases:notifications")).content.decode()
    assert "已派给您" in body
    assert not Notification.objects.filter(user=leader, read_at__isnull=True).exists()


@pytest.mark.django_db
def test_one_notification_in_each_recipients_language(client, tree, categories, leader, personas):
    """Stored as a kind and its parameters, a notification is rendered when shown or mailed: in English for a
    recipient who reads English, in Chinese for one who reads Chinese."""
    from datetime import timedelta

    from weizhili.accounts.models import Role
    from weizhili.cases.sweep import sweep

    from .. import factories

    chinese = personas["community_worker"]
    english = factories.make_user(Role.COMMUNITY_WORKER, tree["east"], username="worker_en", language="en",
                                  email="en@example.org", email_mode="instant")
    chinese.email, chinese.email_mode, chinese.language = "zh@example.org", "instant", "zh-hans"
    chinese.save()
    case = case_create(place=tree["east_household"], category=categories["sanitation"], description="楼道灯不亮了",
                       now=T0)
    sweep(now=T0 + timedelta(days=2, hours=16))  # escalated to the community: both workers are told
    notes = {n.user_id: n for n in Notification.objects.filter(case=case, kind="escalate")}
    assert set(notes) == {chinese.pk, english.pk}
    assert all(n.text == "" and n.params == {"code": case.code} for n in notes.values())  # no text stored

    assert send_instant_emails() == 2
    body = {m.to[0]: m.body for m in mail.outbox}
    subject = {m.to[0]: m.subject for m in mail.outbox}
    assert f"Case {case.code} was escalated to your tier" in body["en@example.org"]
    assert "new notification" in subject["en@example.org"]
    assert f"诉求 {case.code} 已上报到本级" in body["zh@example.org"]
    assert "新通知" in subject["zh@example.org"]

    # on the page, each reads it in the language they read the site in
    client.force_login(english)
    page = client.get(reverse("cases:notifications"), HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert f"Case {case.code} was escalated to your tier" in page
    client.force_login(chinese)
    page = client.get(reverse("cases:notifications"), HTTP_ACCEPT_LANGUAGE="zh-hans").content.decode()
    assert f"诉求 {case.code} 已上报到本级" in page


@pytest.mark.django_db
def test_a_notification_written_before_kinds_keeps_its_text(leader):
    from django.utils import timezone

    old = Notification.objects.create(user=leader, text="诉求已上报到社区：WZ1", created_at=timezone.now())
    assert old.message == "诉求已上报到社区：WZ1"
