"""Handlers attach photos to their report; staff see them within scope only; a bad file changes nothing."""
import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from PIL import Image

from weizhili.cases.models import Attachment, Status
from weizhili.cases.services import Actor, case_create, case_transition
from weizhili.cases.uploads import MAX_PIXELS

from .. import factories
from .conftest import T0

pytestmark = pytest.mark.django_db


def _jpeg() -> SimpleUploadedFile:
    buffer = io.BytesIO()
    exif = Image.Exif()
    exif[0x010F] = "PhoneMaker"
    Image.new("RGB", (64, 48), (200, 30, 30)).save(buffer, "JPEG", exif=exif)
    return SimpleUploadedFile("after.jpg", buffer.getvalue(), content_type="image/jpeg")


def _handling_case(tree, categories, leader):
    case = case_create(place=tree["east_household"], category=categories["repair"], description="健身器材损坏",
                       now=T0)
    return case_transition(case_id=case.pk, action="sign", actor=Actor(leader), now=T0)


def test_report_with_a_photo_attaches_it_to_the_event(client, tree, categories, leader, personas):
    case = _handling_case(tree, categories, leader)
    client.force_login(leader)
    response = client.post(reverse("cases:act", args=[case.pk]),
                           {"action": "report", "note": "已更换", "expected_status": "handling", "photos": [_jpeg()]})
    assert response.status_code == 302
    case.refresh_from_db()
    assert case.status == Status.REPORTED
    attachment = Attachment.objects.get(case=case)
    assert attachment.event.action == "report"
    stored = Image.open(attachment.file.open("rb"))
    assert 0x010F not in stored.getexif()  # EXIF stripped
    detail = client.get(reverse("cases:detail", args=[case.pk])).content.decode()
    assert reverse("cases:photo", args=[case.pk, attachment.pk]) in detail
    assert client.get(reverse("cases:photo", args=[case.pk, attachment.pk])).status_code == 200
    # a user of another community cannot fetch it, nor guess it through another case
    outsider = factories.make_user("community_worker", tree["west"], username="west-worker")
    client.force_login(outsider)
    assert client.get(reverse("cases:photo", args=[case.pk, attachment.pk])).status_code == 404


def test_a_fake_photo_is_refused_and_nothing_changes(client, tree, categories, leader):
    case = _handling_case(tree, categories, leader)
    client.force_login(leader)
    fake = SimpleUploadedFile("x.jpg", b"<html>not a photo</html>", content_type="image/jpeg")
    client.post(reverse("cases:act", args=[case.pk]),
                {"action": "report", "note": "已更换", "expected_status": "handling", "photos": [fake]})
    case.refresh_from_db()
    assert case.status == Status.HANDLING and not Attachment.objects.exists()


def test_a_photo_over_the_pixel_cap_is_refused_with_a_message(client, tree, categories, leader):
    case = _handling_case(tree, categories, leader)
    client.force_login(leader)
    buffer = io.BytesIO()
    Image.new("1", (8_000, MAX_PIXELS // 8_000 + 1), 0).save(buffer, "PNG", optimize=True)  # a few KB
    bomb = SimpleUploadedFile("bomb.png", buffer.getvalue(), content_type="image/png")
    response = client.post(reverse("cases:act", args=[case.pk]),
                           {"action": "report", "note": "已更换", "expected_status": "handling", "photos": [bomb]},
                           follow=True)
    assert response.status_code == 400  # the case page again, with the message and the note kept
    assert "像素过大" in response.content.decode()
    case.refresh_from_db()
    assert case.status == Status.HANDLING and not Attachment.objects.exists()


def test_dispatch_by_name_only_to_a_leader_of_the_case_s_compound(client, tree, categories, leader, staff):
    case = case_create(place=tree["east_household"], category=categories["repair"], description="健身器材损坏",
                       now=T0)
    case = case_transition(case_id=case.pk, action="return", actor=Actor(leader), note="不归我", now=T0)
    west_leader = factories.make_user("building_leader", tree["west_building"], username="west-leader")
    client.force_login(staff["secretary"])
    client.post(reverse("cases:act", args=[case.pk]),
                {"action": "dispatch", "assignee": west_leader.pk, "expected_status": "registered"})
    case.refresh_from_db()
    assert case.status == Status.REGISTERED and case.assignee_id is None  # refused, nothing changed
    client.post(reverse("cases:act", args=[case.pk]),
                {"action": "dispatch", "assignee": leader.pk, "expected_status": "registered"})
    case.refresh_from_db()
    assert case.status == Status.DISPATCHED and case.assignee == leader
