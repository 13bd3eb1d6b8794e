"""The resident-facing phone pages (H5): report, photos, tracking, rating, lookup, grid workers, JSON helpers."""
import io
import re
from pathlib import Path

import pytest
from django.contrib.staticfiles import finders
from django.core.cache import cache
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.urls import reverse
from PIL import Image

from weizhili.cases.models import Attachment, Case, Event, FollowUp, Source, Status
from weizhili.cases.services import Actor, case_create, case_transition
from weizhili.places.models import Place, PlaceKind
from weizhili.places.treeops import NodeSpec, subtree_ensure

from .. import factories

pytestmark = [pytest.mark.django_db, pytest.mark.urls("tests.cases.public_test_urls")]

PHONE = "13812345678"
NAME = "王小明"
ROOM = "7单元909"
STATIC = Path(__file__).resolve().parents[2] / "weizhili" / "static"


@pytest.fixture(autouse=True)
def _fresh_cache():
    cache.clear()  # rate-limit counters live in the cache
    yield
    cache.clear()


@pytest.fixture
def other_street(tree):
    subtree_ensure(None, [NodeSpec(PlaceKind.STREET, "别的街道", children=[
        NodeSpec(PlaceKind.COMMUNITY, "北社区", children=[factories.compound_spec("北苑小区")])])])
    street = Place.objects.get(name="别的街道")
    return {"street": street, "community": Place.objects.get(name="北社区"),
            "compound": Place.objects.get(name="北苑小区"),
            "building": Place.objects.filter(path__startswith=street.path, kind=PlaceKind.BUILDING).first()}


def _jpeg(size=(64, 48), *, exif=True, fmt="JPEG") -> bytes:
    image = Image.new("RGB", size, (200, 30, 30))
    buf = io.BytesIO()
    if exif:
        data = Image.Exif()
        data[0x010F] = "AcmeCam"  # Make
        gps = data.get_ifd(0x8825)
        gps[1], gps[2] = "N", (36.0, 40.0, 12.5)  # GPSLatitudeRef, GPSLatitude
        gps[3], gps[4] = "E", (117.0, 32.0, 1.0)
        image.save(buf, fmt, exif=data)
    else:
        image.save(buf, fmt)
    return buf.getvalue()


def _upload(data: bytes, name="photo.jpg", content_type="image/jpeg"):
    return SimpleUploadedFile(name, data, content_type=content_type)


def _form(tree, categories, **overrides):
    data = {"s": tree["street"].pk, "community": tree["east"].pk, "compound": tree["east_compound"].pk,
            "building": tree["east_building"].pk, "unit_room": ROOM, "category": categories["sanitation"].pk,
            "description": "楼道里堆满了杂物，影响通行", "contact_name": NAME, "contact_phone": PHONE}
    data.update(overrides)
    return {k: v for k, v in data.items() if v is not None}


def _report(client, tree, categories, **overrides):
    return client.post(reverse("public:report"), _form(tree, categories, **overrides))


def _created(response) -> Case:
    assert response.status_code == 302, response.content.decode()[:3000]
    token = re.search(r"/t/([^/]+)/", response["Location"]).group(1)
    return Case.objects.get(token=token)


def _close(case, leader, staff):
    for action, actor, note in [("sign", leader, ""), ("report", leader, "已清理干净"),
                                ("verify", staff["secretary"], ""), ("close", staff["secretary"], "")]:
        case = case_transition(case_id=case.pk, action=action, actor=Actor(actor), note=note)
    assert case.status == Status.CLOSED
    return case


# --- report -----------------------------------------------------------------------------------------------
def test_report_steps_without_javascript(client, tree, categories):
    first = client.get(reverse("public:report"))
    assert first.status_code == 200
    html = first.content.decode()
    assert 'name="compound"' in html and "东苑小区" in html and "西苑小区" in html
    assert "base.html" not in [t.name for t in first.templates]
    assert "htmx" not in html and "leaflet" not in html.lower() and "echarts" not in html.lower()
    second = client.get(reverse("public:report"), {"compound": tree["east_compound"].pk})
    html = second.content.decode()
    assert second.status_code == 200 and 'name="description"' in html
    assert f'value="{tree["east_building"].pk}"' in html and "1号楼" in html  # buildings filled server-side
    assert f'<option value="{tree["east_compound"].pk}" selected>' in html


def test_report_creates_a_routed_case_with_answers_and_encrypted_phone(client, tree, categories, leader):
    noise = categories["noise"]
    response = _report(client, tree, categories, category=noise.pk, anonymous="1",
                       **{f"q{noise.pk}_time": "晚上十点以后"})
    case = _created(response)
    assert response["Location"].endswith("?new=1")
    assert case.status == Status.DISPATCHED and case.assignee == leader  # routed like case_create does
    assert list(case.events.values_list("action", flat=True)) == ["create", "accept", "register", "dispatch"]
    assert case.source == Source.RESIDENT and case.reporter_user is None
    assert case.place == tree["east_building"] and case.compound == tree["east_compound"]
    assert case.answers == {"time": "晚上十点以后", "unit_room": ROOM}
    assert case.anonymous is True and case.contact_name == NAME and case.contact_phone == PHONE
    assert case.lat is None and case.lng is None
    with connection.cursor() as cursor:
        cursor.execute("SELECT * FROM cases_case")
        dump = repr(cursor.fetchall())
    assert PHONE not in dump and "1381234" not in dump
    page = client.get(response["Location"]).content.decode()
    assert "请保存此链接和编号" in page and case.code in page and case.token in page


def test_location_is_kept_only_when_given(client, tree, categories):
    case = _created(_report(client, tree, categories, lat="36.7123", lng="117.5321", building=""))
    assert (case.lat, case.lng) == (36.7123, 117.5321)
    assert case.place == tree["east_compound"]  # building is optional


@pytest.mark.parametrize("overrides, message", [
    ({"description": ""}, "请填写问题描述"),
    ({"description": "脏"}, "至少4个字"),
    ({"contact_phone": "12345"}, "手机号格式不正确"),
    ({"compound": "999999", "building": ""}, "所选院落不属于该社区"),
    ({"community": "abc"}, "请选择所在社区"),
    ({"category": "999999"}, "请选择问题分类"),
    ("household_as_building", "所选楼栋不属于该院落"),
    ("household_as_compound", "所选院落不属于该社区"),
    ("household_as_community", "请选择所在社区"),
    ("west_compound_east_community", "所选院落不属于该社区"),
    ("other_street", "请选择所在社区"),
    ("other_street_compound", "所选院落不属于该社区"),
])
def test_bad_input_is_refused_and_creates_nothing(client, tree, categories, other_street, overrides, message):
    household = tree["east_household"].pk
    named = {
        "household_as_building": {"building": household},
        "household_as_compound": {"compound": household, "building": ""},
        "household_as_community": {"community": household, "compound": "", "building": ""},
        "west_compound_east_community": {"compound": tree["west_compound"].pk, "building": ""},
        "other_street": {"community": other_street["community"].pk, "compound": other_street["compound"].pk,
                         "building": other_street["building"].pk},
        "other_street_compound": {"compound": other_street["compound"].pk, "building": other_street["building"].pk},
    }
    overrides = named[overrides] if isinstance(overrides, str) else overrides
    response = _report(client, tree, categories, **overrides)
    assert response.status_code == 200
    assert message in response.content.decode()
    assert Case.objects.count() == 0 and Attachment.objects.count() == 0


def test_similar_cases_are_offered_and_me_too_counts_without_a_new_case(client, tree, categories):
    existing = case_create(place=tree["east_household"], category=categories["sanitation"],
                           description="二号楼门口垃圾没人清理")
    response = _report(client, tree, categories,
                       photos=[_upload(_jpeg())])
    html = response.content.decode()
    assert response.status_code == 200 and "这些问题已经有人反映了" in html
    assert "我也遇到了（附议）" in html and "仍然新建" in html
    assert "二号楼门口垃圾没人清理" not in html  # another resident's words are never shown publicly
    assert "重新选择照片" in html  # photos are not kept across the prompt
    assert existing.token not in html  # the list never hands out other people's tracking links
    assert "楼道里堆满了杂物" in html and ROOM in html  # the entered data is kept
    assert Case.objects.count() == 1

    ticket = re.search(r'name="ticket" value="([^"]+)"', html).group(1)
    done = client.post(reverse("public:metoo"), {"ticket": ticket, "phone": "13900001111"})
    assert done.status_code == 200 and "已记录您的附议" in done.content.decode()
    existing.refresh_from_db()
    assert existing.me_too == 1 and Case.objects.count() == 1
    assert Event.objects.filter(case=existing, action="me_too").count() == 1
    again = client.post(reverse("public:metoo"), {"ticket": ticket, "phone": "13900001111"})  # counted once
    assert "已经附议过" in again.content.decode()
    existing.refresh_from_db()
    assert existing.me_too == 1
    forged = client.post(reverse("public:metoo"), {"ticket": f"{existing.pk}:forged"})
    assert forged.status_code == 400

    confirmed = _report(client, tree, categories, confirm_new="1")
    new = _created(confirmed)
    assert new.pk != existing.pk and Case.objects.count() == 2


# --- photos -----------------------------------------------------------------------------------------------
def _stored(case) -> Image.Image:
    attachment = Attachment.objects.get(case=case)
    with attachment.file.open("rb") as fh:
        data = fh.read()
    assert attachment.size == len(data)
    return Image.open(io.BytesIO(data)), attachment, data


def test_photo_exif_is_stripped_unless_location_is_kept(client, tree, categories):
    original = _jpeg()
    assert Image.open(io.BytesIO(original)).getexif().get_ifd(0x8825)  # the test photo carries GPS
    case = _created(_report(client, tree, categories, photos=[_upload(original)]))
    image, attachment, data = _stored(case)
    assert image.format == "JPEG" and attachment.content_type == "image/jpeg"
    assert dict(image.getexif()) == {} and b"AcmeCam" not in data and "exif" not in image.info
    assert not attachment.file.name.endswith("photo.jpg")  # stored under a random name

    kept = _created(_report(client, tree, categories, confirm_new="1", keep_location="1",
                            photos=[_upload(original)]))
    image, attachment, data = _stored(kept)
    exif = image.getexif()
    assert exif[0x010F] == "AcmeCam" and exif.get_ifd(0x8825)[2] == (36.0, 40.0, 12.5)
    assert data == original  # small enough: the original bytes


def test_large_photos_are_downscaled(client, tree, categories):
    case = _created(_report(client, tree, categories,
                            photos=[_upload(_jpeg((2400, 1200), fmt="PNG"), "big.png", "image/png")]))
    image, attachment, _data = _stored(case)
    assert image.format == "PNG" and image.size == (1600, 800) and attachment.content_type == "image/png"
    kept = _created(_report(client, tree, categories, confirm_new="1", keep_location="1",
                            photos=[_upload(_jpeg((1200, 2400)), "tall.jpg")]))
    image, _attachment, _data = _stored(kept)
    assert image.size == (800, 1600) and image.getexif().get_ifd(0x8825)  # downscaled, location kept


@pytest.mark.parametrize("data, name", [
    (b"just some text, not a picture", "x.jpg"),
    (b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF", "scan.jpg"),
    (b"<!doctype html><html><script>alert(1)</script></html>", "x.png"),
])
def test_files_that_are_not_images_are_refused(client, tree, categories, data, name):
    response = _report(client, tree, categories, photos=[_upload(_jpeg()), _upload(data, name)])
    html = response.content.decode()
    assert response.status_code == 200 and "不是有效的图片" in html and name in html
    assert Case.objects.count() == 0 and Attachment.objects.count() == 0


def test_gif_is_refused(client, tree, categories):
    buf = io.BytesIO()
    Image.new("RGB", (10, 10)).save(buf, "GIF")
    response = _report(client, tree, categories, photos=[_upload(buf.getvalue(), "a.gif", "image/gif")])
    assert "不是有效的图片" in response.content.decode() and Case.objects.count() == 0


def test_seven_photos_are_refused(client, tree, categories):
    response = _report(client, tree, categories,
                       photos=[_upload(_jpeg(), f"p{i}.jpg") for i in range(7)])
    assert response.status_code == 200 and "最多上传6张照片" in response.content.decode()
    assert Case.objects.count() == 0 and Attachment.objects.count() == 0
    case = _created(_report(client, tree, categories, photos=[_upload(_jpeg(), f"p{i}.jpg") for i in range(6)]))
    assert case.attachments.count() == 6


def test_photos_over_8_mb_are_refused(client, tree, categories):
    big = _upload(_jpeg() + b"\0" * (8 * 1024 * 1024), "huge.jpg")
    response = _report(client, tree, categories, photos=[big])
    assert "超过8MB" in response.content.decode() and Case.objects.count() == 0


# --- tracking ---------------------------------------------------------------------------------------------
def test_tracking_page_shows_the_public_timeline_only(client, tree, categories, leader, personas):
    case = _created(_report(client, tree, categories, photos=[_upload(_jpeg())]))
    case_transition(case_id=case.pk, action="note", actor=Actor(leader), note="内部备注不要公开")
    case_transition(case_id=case.pk, action="reply", actor=Actor(leader), note="已安排保洁明天清理")
    response = client.get(reverse("public:track", args=[case.token]))
    html = response.content.decode()
    assert response.status_code == 200
    assert case.code in html and "环境卫生" in html and "已派遣" in html and "院落" in html
    assert "东社区 东苑小区 1号楼" in html
    for label in ("提交诉求", "受理", "立案", "派遣", "答复居民", "已安排保洁明天清理"):
        assert label in html
    assert "居民" in html and "系统" in html and "工作人员" in html
    assert "内部备注不要公开" not in html and "备注" not in html
    assert ROOM not in html and "909" not in html.replace(case.code, "").replace(case.token, "")  # the random code may hold "909"
    assert NAME not in html and PHONE not in html and "5678" not in html.replace(case.code, "").replace(case.token, "")
    assert leader.username not in html and "楼栋长/三长四员" not in html and "楼长甲" not in html
    photo = Attachment.objects.get(case=case)
    url = reverse("public:photo", args=[case.token, photo.pk])
    assert url in html
    served = client.get(url)
    assert served.status_code == 200 and served["Content-Type"] == "image/jpeg"
    other = case_create(place=tree["west_household"], category=categories["noise"], description="西边的噪音问题")
    assert client.get(reverse("public:photo", args=[other.token, photo.pk])).status_code == 404


def test_unknown_token_is_404(client, tree, categories):
    assert client.get(reverse("public:track", args=["no-such-token"])).status_code == 404
    assert client.post(reverse("public:track", args=["x" * 40]), {"action": "urge"}).status_code == 404
    assert client.get(reverse("public:photo", args=["no-such-token", 1])).status_code == 404


def test_resident_adds_information_and_urges(client, tree, categories):
    case = _created(_report(client, tree, categories))
    url = reverse("public:track", args=[case.token])
    empty = client.post(url, {"action": "add_info", "note": "  "})
    assert "请填写补充的内容" in empty.content.decode()
    assert not Event.objects.filter(case=case, action="add_info").exists()
    added = client.post(url, {"action": "add_info", "note": "晚上更严重"}, follow=True)
    assert "补充信息已提交" in added.content.decode()
    assert "晚上更严重" not in added.content.decode()  # the resident's own words stay off the public page
    assert Event.objects.get(case=case, action="add_info").actor_label == "resident"
    urged = client.post(url, {"action": "urge"}, follow=True)
    assert "已催办" in urged.content.decode()
    again = client.post(url, {"action": "urge"})
    assert "催办过了" in again.content.decode()
    assert Event.objects.filter(case=case, action="urge").count() == 1


def test_rating_once_per_round(client, tree, categories, leader, staff):
    case = _created(_report(client, tree, categories))
    url = reverse("public:track", args=[case.token])
    assert 'value="rate"' not in client.get(url).content.decode()  # not closed yet
    refused = client.post(url, {"action": "rate", "satisfaction": "satisfied", "resolved": "1"})
    assert "不能执行" in refused.content.decode() and not FollowUp.objects.exists()
    _close(case, leader, staff)
    page = client.get(url).content.decode()
    assert 'value="rate"' in page and "满意" in page and "基本满意" in page and "不满意" in page
    rated = client.post(url, {"action": "rate", "satisfaction": "satisfied", "resolved": "1", "note": "很及时"})
    assert rated.status_code == 302
    followup = FollowUp.objects.get(case=case)
    assert followup.satisfaction == "satisfied" and followup.resolved and followup.note == "很及时"
    assert followup.by is None
    page = client.get(url).content.decode()
    assert 'value="rate"' not in page and "您的评价" in page
    second = client.post(url, {"action": "rate", "satisfaction": "unsatisfied", "resolved": "0"})
    assert second.status_code == 200 and "本轮办理已经评价过了" in second.content.decode()
    assert FollowUp.objects.filter(case=case).count() == 1
    case.refresh_from_db()
    assert case.status == Status.CLOSED and case.final_satisfaction == "satisfied"


def test_not_satisfied_reopens_a_second_round(client, tree, categories, leader, staff):
    case = _created(_report(client, tree, categories))
    _close(case, leader, staff)
    url = reverse("public:track", args=[case.token])
    missing = client.post(url, {"action": "rate", "resolved": "0"})
    assert "请选择满意、基本满意或不满意" in missing.content.decode() and not FollowUp.objects.exists()
    client.post(url, {"action": "rate", "satisfaction": "unsatisfied", "resolved": "0", "note": "没解决"})
    case.refresh_from_db()
    assert case.round == 2 and case.status == Status.DISPATCHED and case.first_satisfaction == "unsatisfied"
    html = client.get(url).content.decode()
    assert "重办" in html and 'value="rate"' not in html


# --- lookup -----------------------------------------------------------------------------------------------
def test_lookup_by_code_and_last_four_digits(client, tree, categories):
    case = _created(_report(client, tree, categories))
    url = reverse("public:lookup")
    assert client.get(url).status_code == 200
    right = client.post(url, {"code": case.code.lower(), "last4": PHONE[-4:]})
    assert right.status_code == 302 and right["Location"] == reverse("public:track", args=[case.token])
    wrong = client.post(url, {"code": case.code, "last4": "0000"})
    assert wrong.status_code == 200 and "编号或手机号后4位不正确" in wrong.content.decode()
    unknown = client.post(url, {"code": "WZ000000000000", "last4": PHONE[-4:]})
    assert "编号或手机号后4位不正确" in unknown.content.decode()


def test_lookup_is_rate_limited(client, tree, categories):
    case = _created(_report(client, tree, categories))
    url = reverse("public:lookup")
    for _ in range(10):
        assert client.post(url, {"code": case.code, "last4": "0000"}).status_code == 200
    blocked = client.post(url, {"code": case.code, "last4": PHONE[-4:]})  # even the right pair now
    assert blocked.status_code == 429 and "尝试次数过多" in blocked.content.decode()
    other = client.post(url, {"code": case.code, "last4": PHONE[-4:]}, REMOTE_ADDR="10.0.0.9")
    assert other.status_code == 302


def test_a_case_without_phone_cannot_be_looked_up(client, tree, categories):
    case = _created(_report(client, tree, categories, contact_phone=""))
    response = client.post(reverse("public:lookup"), {"code": case.code, "last4": "0000"})
    assert response.status_code == 200 and "编号或手机号后4位不正确" in response.content.decode()


def test_reporting_is_rate_limited_per_address(client, tree, categories, monkeypatch):
    from weizhili.cases import public_views

    monkeypatch.setattr(public_views, "REPORT_LIMIT", 2)
    _created(_report(client, tree, categories))
    _created(_report(client, tree, categories, confirm_new="1"))
    blocked = _report(client, tree, categories, confirm_new="1")
    assert blocked.status_code == 429 and Case.objects.count() == 2


# --- grid workers -----------------------------------------------------------------------------------------
def test_grid_worker_reports_as_themselves(client, tree, categories, personas):
    grid = personas["grid_worker"]
    client.force_login(grid)
    page = client.get(reverse("public:grid"), {"compound": tree["east_compound"].pk})
    html = page.content.decode()
    assert page.status_code == 200 and 'name="consent"' in html  # the complainant's contact, with consent
    assert html.index("data-locate") < html.index('name="community"')  # location first
    response = client.post(reverse("public:grid"), _form(tree, categories, contact_phone="", contact_name=""))
    assert response.status_code == 302
    case = Case.objects.get()
    assert case.source == Source.GRID and case.reporter_user == grid
    assert case.events.get(action="create").actor == grid
    assert case.contact_phone == "" and case.status == Status.DISPATCHED


def test_grid_page_refuses_residents_and_anonymous_visitors(client, tree, categories, personas):
    url = reverse("public:grid")
    anonymous = client.get(url)
    assert anonymous.status_code == 302 and reverse("accounts:login") in anonymous["Location"]
    client.force_login(personas["resident"])
    assert client.get(url).status_code == 403
    assert client.post(url, _form(tree, categories)).status_code == 403
    assert Case.objects.count() == 0
    client.force_login(personas["branch_secretary"])  # staff may use it too
    assert client.get(url).status_code == 200


# --- page weight and JSON helpers -------------------------------------------------------------------------
def _first_load_bytes(response) -> tuple[int, list[str]]:
    html = response.content.decode()
    assets = re.findall(r'<script[^>]*\ssrc="([^"]+)"', html)
    assets += [m.group(2) for m in re.finditer(r'<link([^>]*)\shref="([^"]+)"([^>]*)>', html)
               if "stylesheet" in m.group(1) + m.group(3)]
    total = len(response.content)
    for url in assets:
        assert url.startswith("/static/"), f"external asset {url}"
        path = finders.find(url.removeprefix("/static/"))
        assert path, f"missing static file {url}"
        assert Path(path).resolve().is_relative_to(STATIC)
        total += Path(path).stat().st_size
    return total, assets


def test_report_page_first_load_is_under_150_kb(client, tree, categories):
    first = client.get(reverse("public:report"))
    second = client.get(reverse("public:report"), {"compound": tree["east_compound"].pk})
    for response in (first, second):
        total, assets = _first_load_bytes(response)
        assert "/static/weizhili/report.js" in assets
        assert total < 150 * 1024, total
    assert (STATIC / "weizhili" / "report.js").stat().st_size < 6 * 1024


def test_places_endpoint_lists_only_the_streets_public_tree(client, tree, other_street):
    url = reverse("public:places")
    street = tree["street"].pk

    def ids(response):
        assert response.status_code == 200 and response["Content-Type"] == "application/json"
        return {row["id"] for row in response.json()}

    assert ids(client.get(url, {"s": street})) == {tree["east"].pk, tree["west"].pk}
    assert ids(client.get(url, {"s": street, "parent": tree["east"].pk})) == {tree["east_compound"].pk}
    buildings = ids(client.get(url, {"s": street, "parent": tree["east_compound"].pk}))
    assert buildings == set(Place.objects.filter(path__startswith=tree["east_compound"].path,
                                                 kind=PlaceKind.BUILDING).values_list("pk", flat=True))
    assert "东苑小区" in client.get(url, {"s": street, "parent": tree["east"].pk}).content.decode()
    for parent in (tree["east_building"], tree["east_household"],
                   Place.objects.filter(kind=PlaceKind.UNIT).first(),
                   other_street["community"], other_street["compound"], other_street["street"]):
        assert client.get(url, {"s": street, "parent": parent.pk}).status_code == 404
    assert client.get(url, {"s": street, "parent": "x"}).status_code == 404
    assert client.get(url).status_code == 400  # two streets now: which one?
    # walking the whole tree from the street never yields a unit, a household or another street's place
    seen, todo = set(), [None]
    while todo:
        parent = todo.pop()
        response = client.get(url, {"s": street, **({"parent": parent} if parent else {})})
        if response.status_code == 200:
            found = ids(response)
            seen |= found
            todo.extend(found)
    kinds = set(Place.objects.filter(pk__in=seen).values_list("kind", flat=True))
    assert kinds == {PlaceKind.COMMUNITY, PlaceKind.COMPOUND, PlaceKind.BUILDING}
    assert all(p.path.startswith(tree["street"].path) for p in Place.objects.filter(pk__in=seen))


def test_nearest_compound_by_centroid(client, tree, other_street):
    url = reverse("public:nearest")
    none = client.get(url, {"s": tree["street"].pk, "lat": "36.71", "lng": "117.54"})
    assert none.json() == {"compound": None} and none["Cache-Control"] == "no-store"
    Place.objects.filter(pk=tree["east_compound"].pk).update(centroid_lat=36.7100, centroid_lng=117.5400)
    Place.objects.filter(pk=tree["west_compound"].pk).update(centroid_lat=36.7200, centroid_lng=117.5200)
    Place.objects.filter(pk=other_street["compound"].pk).update(centroid_lat=36.7101, centroid_lng=117.5401)
    found = client.get(url, {"s": tree["street"].pk, "lat": "36.7102", "lng": "117.5402"}).json()["compound"]
    assert found["id"] == tree["east_compound"].pk and found["community"] == tree["east"].pk
    assert found["distance_m"] < 50
    found = client.get(url, {"s": tree["street"].pk, "lat": "36.7199", "lng": "117.5199"}).json()["compound"]
    assert found["id"] == tree["west_compound"].pk
    assert client.get(url, {"s": tree["street"].pk, "lat": "north", "lng": "1"}).status_code == 400
    assert client.get(url, {"s": tree["street"].pk, "lat": "95", "lng": "1"}).status_code == 400


def test_tracking_page_shows_only_notes_written_to_the_resident_masked(client, tree, categories, leader):
    """An internal reason (escalate) may repeat what the resident said: the page shows the step, not the words;
    a reply is shown with any phone or ID number masked, since the link may be forwarded."""
    case = _created(_report(client, tree, categories))
    case_transition(case_id=case.pk, action="sign", actor=Actor(leader))
    case_transition(case_id=case.pk, action="reply", actor=Actor(leader),
                    note="请拨打13912345678联系，身份证370181199001011234已核对")
    case_transition(case_id=case.pk, action="escalate", actor=Actor(leader), note="王大妈家漏水，楼上不配合")
    html = client.get(reverse("public:track", args=[case.token])).content.decode()
    assert "上报上一级" in html and "王大妈" not in html and "楼上不配合" not in html
    assert "139****5678" in html and "13912345678" not in html
    assert "370181********1234" in html and "370181199001011234" not in html
