"""The staff case page: one note field and one button per action; the handler shown once signed for."""
import re

import pytest
from django.urls import reverse

from weizhili.cases.models import Case, Event, Status
from weizhili.cases.services import Actor, case_create, case_transition

pytestmark = pytest.mark.django_db


def _queue_case(tree, categories) -> Case:
    """A case in the compound branch's queue: raised for the whole compound, so no building leader gets it."""
    return case_create(place=tree["east_compound"], category=categories["sanitation"],
                       description="楼道里堆满了杂物，影响通行")


def _page(client, case) -> str:
    return client.get(reverse("cases:detail", args=[case.pk])).content.decode()


def _actions_section(body: str) -> str:
    return body[body.index('id="case-actions"'):body.index('id="timeline"')]


def _buttons(body: str) -> list[str]:
    return re.findall(r'<button type="submit" name="action" value="([a-z_]+)"', body)


def test_one_note_field_and_a_button_per_action(client, tree, categories, personas):
    case = _queue_case(tree, categories)
    client.force_login(personas["branch_secretary"])
    section = _actions_section(_page(client, case))
    assert section.count("<textarea") == 1 and section.count("<form") == 1
    assert section.count('name="note"') == 1
    buttons = _buttons(section)
    assert {"sign", "return", "escalate", "urge", "note", "reply", "merge"} <= set(buttons)
    assert len(buttons) == len(set(buttons))  # each action offered once


def test_the_pressed_button_chooses_the_action_and_only_its_fields_count(client, tree, categories, personas):
    case = _queue_case(tree, categories)
    client.force_login(personas["branch_secretary"])
    # the whole form is posted: the sign box ticked, a merge code typed; the button pressed is "note"
    response = client.post(reverse("cases:act", args=[case.pk]), {
        "action": "note", "note": "已电话了解情况", "expected_status": case.status, "contacted": "1",
        "parent": "WZ000000000000", "days": "3"})
    assert response.status_code == 302
    case.refresh_from_db()
    assert case.status == Status.DISPATCHED and case.contacted_at is None and case.parent_id is None
    event = Event.objects.get(case=case, action="note")
    assert event.note == "已电话了解情况" and event.data == {}


def test_the_handler_is_shown_once_a_queue_case_is_signed_for(client, tree, categories, personas):
    case = _queue_case(tree, categories)
    assert case.assignee is None
    secretary = personas["branch_secretary"]
    client.force_login(secretary)
    assert "待签收" in _page(client, case)
    client.post(reverse("cases:act", args=[case.pk]), {"action": "sign", "expected_status": case.status})
    case.refresh_from_db()
    assert case.status == Status.HANDLING and case.assignee == secretary
    body = _page(client, case)
    handler = body[body.index('id="case-handler"'):].split("</td>")[0]
    assert secretary.username in handler and "签收" in handler
    # and the queue's "mine" view now lists it for the one who signed
    queue = client.get(reverse("cases:queue"), {"view": "mine"}).content.decode()
    assert case.code in queue


def test_a_contacted_tick_at_signing_is_not_offered_again(client, tree, categories, personas):
    case = _queue_case(tree, categories)
    client.force_login(personas["branch_secretary"])
    client.post(reverse("cases:act", args=[case.pk]),
                {"action": "sign", "contacted": "1", "expected_status": case.status})
    case.refresh_from_db()
    assert case.contacted_at is not None
    buttons = _buttons(_actions_section(_page(client, case)))
    assert "report" in buttons and "contact" not in buttons
    # asking for it anyway is refused with a reason, and nothing is recorded
    response = client.post(reverse("cases:act", args=[case.pk]), {"action": "contact"})
    assert response.status_code == 400 and "本轮已执行过" in response.content.decode()
    assert not Event.objects.filter(case=case, action="contact").exists()


def test_contact_is_offered_until_done_and_again_in_a_new_round(tree, categories, personas):
    from weizhili.cases import workflow

    case = _queue_case(tree, categories)
    secretary = personas["branch_secretary"]
    case = case_transition(case_id=case.pk, action="sign", actor=Actor(secretary))
    assert "contact" in [t.action for t in workflow.actions_for(secretary, case)]
    case = case_transition(case_id=case.pk, action="contact", actor=Actor(secretary))
    assert "contact" not in [t.action for t in workflow.actions_for(secretary, case)]
    case = case_transition(case_id=case.pk, action="escalate", actor=Actor(secretary), note="需要社区协调")
    assert case.contacted_at is None  # a new round: the new handler contacts the resident again


def test_a_refused_action_keeps_the_typed_note(client, tree, categories, personas):
    case = _queue_case(tree, categories)
    client.force_login(personas["branch_secretary"])
    response = client.post(reverse("cases:act", args=[case.pk]),
                           {"action": "merge", "parent": "WZ999999999999", "note": "与另一件重复，写了很久的说明",
                            "expected_status": case.status})
    assert response.status_code == 400
    body = response.content.decode()
    assert "找不到编号为 WZ999999999999 的诉求" in body and "写了很久的说明" in body
    assert Case.objects.get(pk=case.pk).status == Status.DISPATCHED


def test_a_photo_goes_only_with_a_report_or_a_reply(client, tree, categories, personas):
    from django.core.files.uploadedfile import SimpleUploadedFile

    case = _queue_case(tree, categories)
    client.force_login(personas["branch_secretary"])
    photo = SimpleUploadedFile("a.jpg", b"\xff\xd8\xff" + b"0" * 100, content_type="image/jpeg")
    response = client.post(reverse("cases:act", args=[case.pk]),
                           {"action": "note", "note": "看现场", "photos": [photo], "expected_status": case.status})
    assert response.status_code == 400 and "照片只能随" in response.content.decode()
    assert not Event.objects.filter(case=case, action="note").exists()


def test_answers_are_shown_under_their_questions(client, tree, categories, personas):
    noise = categories["noise"]
    code, label = noise.questions[0]["code"], noise.questions[0]["label"]
    case = case_create(place=tree["east_compound"], category=noise, description="楼下商铺晚上音响很吵",
                       answers={code: "晚上十点以后", "unit_room": "1单元101"})
    client.force_login(personas["branch_secretary"])
    body = _page(client, case)
    assert f"{label}：晚上十点以后" in body and "单元和门牌号：1单元101" in body
    assert "unit_room" not in body and f">{code}：" not in body
