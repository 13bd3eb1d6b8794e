"""No typed URL breaks a page: every URL pattern × every persona × hostile path ids and query values → no 5xx.

The walk introspects the URLconf (admin included), fills each path converter with a real in-scope object id, 0,
a 30-digit number and, for text converters, letters; then sends each query parameter the view's module reads
(and a fixed list of common names, all at once) set to hostile values, by GET and, for views that take forms, by
POST. A bad value is ignored, or answered 400/404 with a message: never a server error.
"""
import inspect
import logging
import re
import sys
from dataclasses import dataclass
from datetime import date

import pytest
from django.apps import apps
from django.contrib import admin
from django.core.cache import cache
from django.test import Client, RequestFactory
from django.urls import URLPattern, URLResolver, get_resolver, resolve
from django.urls.exceptions import Resolver404

from weizhili import params
from weizhili.accounts.models import Role

from . import factories

HOSTILE = ["abc", "-1", "0", "9" * 30, "9999-12", "0000-00", "2024-02-30", "1e9", "nan", "%00", "\x00",
           "<script>alert(1)</script>", "１２", "²", "", "[]"]
SHARP = ["abc", "9" * 30, "9999-12", "\x00", "²"]  # for each parameter alone, and for POSTs
COMMON = ["category", "parent", "node", "month", "from", "to", "status", "page", "q", "tier", "place", "compound",
          "community", "building", "kind", "sort", "order", "year", "view", "band", "job", "cls", "group", "s",
          "card", "source", "registration", "unlocated", "lat", "lng", "next", "new", "id", "p", "o", "e",
          "term", "app_label", "model_name", "field_name", "target", "days", "assignee"]
# Parameters that change what the request does rather than what it shows: never sent with hostile values.
NEVER_SENT = {"post", "action", "_save", "_continue", "_addanother", "select_across", "index"}
PERSONAS = ["street_cadre", "community_worker", "branch_secretary", "building_leader", "grid_worker", "volunteer",
            "resident", "partner_unit", "outsider", "sysadmin", "auditor", "superuser", "anonymous"]
ADMIN_PERSONAS = {"street_cadre", "sysadmin", "auditor", "superuser"}
FULL_ADMIN_PERSONAS = {"street_cadre"}  # scoped (the platform's own admin code runs): each parameter alone too
NO_POST = {"accounts:logout", "logout"}  # a POST would end the session the walk goes on with


@dataclass
class Leaf:
    route: str        # the pattern's text from the root, converters left in
    name: str         # namespaced url name, or the route when unnamed
    callback: object
    admin: bool


def _leaves(resolver=None, prefix="", namespace="", in_admin=False):
    resolver = resolver or get_resolver()
    for item in resolver.url_patterns:
        if isinstance(item, URLResolver):
            ns = f"{namespace}{item.namespace}:" if item.namespace else namespace
            yield from _leaves(item, prefix + str(item.pattern), ns, in_admin or item.app_name == "admin")
        elif isinstance(item, URLPattern):
            route = prefix + str(item.pattern)
            yield Leaf(route, f"{namespace}{item.name}" if item.name else route, item.callback, in_admin)


def _module_source(callback) -> str:
    view = getattr(callback, "view_class", None) or inspect.unwrap(callback)
    module = sys.modules.get(getattr(view, "__module__", ""), None)
    try:
        return inspect.getsource(module) if module else ""
    except (OSError, TypeError):
        return ""


_QUOTED = re.compile(r"""["']([A-Za-z_][\w-]{0,30})["']""")
_READ = re.compile(r"""(?:param_\w+\(request,\s*|GET\.get\(|GET\[|POST\.get\(|\.get\()\s*f?["']([\w-]+)["']""")


def _params_read(leaf: Leaf) -> list[str]:
    """The parameter names the view's module mentions: every name read through the parameter layer or a
    QueryDict, and every common name quoted in it (filter keys listed in tuples)."""
    source = _module_source(leaf.callback)
    names = set(_READ.findall(source)) | (set(_QUOTED.findall(source)) & set(COMMON))
    if leaf.admin and leaf.name.endswith("_changelist"):
        names |= _admin_filter_params(leaf)
    return sorted(names - NEVER_SENT)


def _admin_filter_params(leaf: Leaf) -> set[str]:
    match = re.match(r"admin:(\w+?)_(\w+)_changelist$", leaf.name)
    model = apps.get_model(match[1], match[2])
    model_admin = admin.site._registry[model]
    names = {"q", "p", "o", "e", "all", "_to_field", "_popup"}
    for entry in model_admin.list_filter:
        field = entry if isinstance(entry, str) else getattr(entry, "parameter_name", None)
        if field:
            names |= {field, f"{field}__exact", f"{field}__id__exact", f"{field}__isnull", f"{field}__gte",
                      f"{field}__in"}
    return names


_CONVERTER = re.compile(r"<(?:(\w+):)?(\w+)>")
_GROUP = re.compile(r"\(\?P<(\w+)>[^()]*\)")


def _fill(leaf: Leaf, values: dict[str, str]) -> str | None:
    """The URL for `leaf` with each path variable set; None when it does not resolve back to the same view
    (a value the pattern's converter or regex refuses)."""
    route = _CONVERTER.sub(lambda m: values[m[2]], leaf.route)
    route = _GROUP.sub(lambda m: values[m[1]], route).replace("^", "").replace("$", "")
    url = "/" + route
    try:
        match = resolve(url)
    except Resolver404:
        return None
    return url if match.func == leaf.callback else None


def _variables(leaf: Leaf) -> list[tuple[str, str]]:
    found = [(m[2], m[1] or "str") for m in _CONVERTER.finditer(leaf.route)]
    return found + [(m[1], "regex") for m in _GROUP.finditer(leaf.route)]


@pytest.fixture
def walk_world(tree, personas):
    from weizhili.cases.services import case_create, categories_ensure
    from weizhili.hotline.models import HotlineOrder, ImportJob
    from weizhili.party.models import PartyMember

    east_branch = factories.make_branch(tree["east_compound"], name="东苑院落党支部")
    person = factories.make_person(tree["east_household"], name="东明亮", phone="13811112222")
    PartyMember.objects.create(person=person, org=east_branch, place=tree["east_household"])
    category = categories_ensure(street=tree["street"])[0]
    case = case_create(place=tree["east_household"], category=category, description="东苑楼道堆物需要清理")
    from django.utils import timezone

    now = timezone.now()
    order = HotlineOrder.objects.create(
        street=tree["street"], order_no="EAST-0001", received_at=now, content="东苑楼道灯不亮", updated_at=now,
        place=tree["east_compound"], compound=tree["east_compound"], community=tree["east"])
    job = ImportJob.objects.create(street=tree["street"], file_name="工单.xlsx", status="mapping",
                                   summary={"unknown_headers": ["编号X"]})
    mk = factories.make_user
    extra = {
        "sysadmin": mk(Role.SYSTEM_ADMIN, tree["street"], username="sysadmin", is_staff=True),
        "auditor": mk(Role.AUDIT_ADMIN, None, username="auditor", is_staff=True),
        "superuser": mk(Role.SYSTEM_ADMIN, None, username="root", is_staff=True, is_superuser=True),
    }
    personas["street_cadre"].is_staff = True
    personas["street_cadre"].save(update_fields=["is_staff"])
    real = {"place_id": tree["east_compound"].pk, "case_id": case.pk, "org_id": east_branch.pk,
            "person_id": person.pk, "order_id": order.pk, "job_id": job.pk, "parent_id": east_branch.pk,
            "token": case.token, "app_label": "cases", "url": "abc/", "attachment_id": 1}
    return {"users": {**personas, **extra}, "real": real}


def _values(leaf: Leaf, kind: str, real: dict) -> dict[str, str]:
    values = {}
    for name, converter in _variables(leaf):
        if converter == "regex" or (kind != "real" and name == "app_label"):
            values[name] = str(real.get(name, "abc"))
            continue
        if kind == "real":
            if name == "object_id":
                match = re.match(r"admin/(\w+)/(\w+)/", leaf.route)
                model = apps.get_model(match[1], match[2]) if match else None
                pk = model.objects.order_by("pk").values_list("pk", flat=True).first() if model else None
                values[name] = str(pk if pk is not None else 1)
            else:
                values[name] = str(real.get(name, 1))
        elif kind == "zero":
            values[name] = "0"
        elif kind == "huge":
            values[name] = "9" * 30
        else:  # letters and a NUL, where the converter takes text
            values[name] = "abc" if converter == "int" else "abc%00"
    return values


def _takes_post(leaf: Leaf) -> bool:
    source = _module_source(leaf.callback)
    return leaf.admin or "POST" in source


# --- the parameter layer itself ----------------------------------------------------------------------------

@pytest.mark.parametrize("value", ["abc", "-1", "0", "9" * 30, "9" * 19, "１２", "²", "١٢", "\x00", "1\x00", "1e9",
                                   "", " ", "[]", "1.0", "0x10", None, ["1"]])
def test_parse_int_refuses_anything_but_an_ascii_id(value):
    assert params.parse_int(value) is None


def test_parse_int_reads_ids_and_ranges():
    assert params.parse_int(" 42 ") == 42
    assert params.parse_int(str(2**63 - 1)) == 2**63 - 1
    assert params.parse_int(str(2**63)) is None
    assert params.parse_int("-3", min=-5, max=5) == -3
    assert params.parse_int("0", min=0) == 0


@pytest.mark.parametrize("value", ["9999-12", "0000-00", "2024-13", "2024-00", "1999-12", "2024-1-1", "abc",
                                   "２０２４-０３", "2024-03\x00", "", None])
def test_parse_month_refuses_months_outside_the_platform(value):
    assert params.parse_month(value) is None


def test_parse_month_and_date():
    assert params.parse_month("2024-03") == date(2024, 3, 1)
    assert params.parse_month(" 2024-3 ") == date(2024, 3, 1)
    assert params.parse_date("2024-02-29") == date(2024, 2, 29)
    assert params.parse_date("2023-02-29") is None
    assert params.parse_date("9999-12-31") is None


def test_text_parameters_lose_control_characters_and_length():
    request = RequestFactory().get("/", {"q": "\x00楼道\x07灯" + "长" * 500, "view": "mine", "bad": "x"})
    assert params.param_str(request, "q") == "楼道灯" + "长" * 197
    assert params.param_choice(request, "view", ["mine", "tier"]) == "mine"
    assert params.param_choice(request, "bad", ["mine"], default="tier") == "tier"
    repeated = RequestFactory().get("/?page=abc&page=3")
    assert params.param_int(repeated, "page") == 3  # the last one counts, like QueryDict.get
    with pytest.raises(params.ParamError):
        params.param_int(RequestFactory().get("/", {"node": "abc"}), "node", strict=True)
    assert params.param_int(RequestFactory().get("/", {"node": ""}), "node", default=7, strict=True) == 7


@pytest.mark.django_db
@pytest.mark.parametrize("url", ["/cases/?category=abc", "/cases/places/?parent=abc", "/figures/cases/?node=abc",
                                 "/figures/cases/?month=9999-12", "/hotline/orders/?month=9999-12&group=²",
                                 "/hotline/?node=abc", "/people/?q=%00", "/party/members/?q=%00&page=9999999999"])
def test_the_reported_urls_answer_without_a_server_error(client, personas, url):
    client.force_login(personas["street_cadre"])
    response = client.get(url)
    assert response.status_code in (200, 400, 404), response.status_code


@pytest.mark.django_db
def test_a_malformed_subject_answers_400_with_a_chinese_message(client, personas):
    client.force_login(personas["street_cadre"])
    response = client.get("/figures/cases/", {"node": "abc"})
    assert response.status_code == 400
    assert "地址中的参数“node”无效" in response.content.decode()
    assert client.get("/figures/cases/", {"month": "9999-12"}).status_code == 200  # ignored: the page names its month


@pytest.mark.django_db
def test_a_nul_byte_anywhere_is_refused_before_any_query(client, personas):
    """PostgreSQL refuses NUL in text: the admin's own filters and hand-read form fields would pass it on."""
    user = personas["street_cadre"]
    user.is_staff = True
    user.save(update_fields=["is_staff"])
    client.force_login(user)
    for url, data in [("/admin/cases/case/", {"status": "\x00"}), ("/admin/party/partyorg/", {"q": "a\x00"}),
                      ("/r/t/abc\x00/", {})]:
        response = client.get(url, data)
        assert response.status_code == 400, url
        assert "含有无效字符" in response.content.decode()
    assert client.post("/cases/1/summary/", {"summary": "\x00"}).status_code == 400


# --- the walk --------------------------------------------------------------------------------------------------

@pytest.fixture
def quiet_request_log():
    """4xx answers are logged with their traceback by django.request; the walk makes thousands of them."""
    logger = logging.getLogger("django.request")
    level = logger.level
    logger.setLevel(logging.ERROR)
    yield
    logger.setLevel(level)


@pytest.mark.django_db
@pytest.mark.parametrize("persona", PERSONAS)
def test_no_hostile_parameter_breaks_a_page(walk_world, persona, quiet_request_log):
    client = Client(raise_request_exception=False)
    user = walk_world["users"].get(persona)
    failures: dict[str, str] = {}
    walked = 0

    def check(method, url, data, label):
        nonlocal walked
        cookie = client.cookies.get("sessionid")
        if user is not None and not (cookie and cookie.value):  # logged in again after any page that logs out
            client.force_login(user)
        response = getattr(client, method)(url, data)
        walked += 1
        if response.status_code >= 500:
            exc = response.exc_info[1] if getattr(response, "exc_info", None) else None
            key = f"{method.upper()} {url} [{label}]"
            failures.setdefault(key, f"{response.status_code} {type(exc).__name__}: {str(exc)[:160]} "
                                     f"(e.g. {data!r})"[:400])
        return response

    try:
        for leaf in _leaves():
            full = not leaf.admin or persona in FULL_ADMIN_PERSONAS
            if leaf.admin and persona not in ADMIN_PERSONAS:
                kinds = ["real"]  # the admin sends them to the login page before anything is read
            elif _variables(leaf):
                kinds = ["real", "zero", "huge", "text"]
            else:
                kinds = ["real"]
            params = _params_read(leaf)
            for kind in kinds:
                url = _fill(leaf, _values(leaf, kind, walk_world["real"]))
                if url is None:
                    continue
                base = check("get", url, {}, f"path {kind}")
                if kind != "real" or (leaf.admin and persona not in ADMIN_PERSONAS):
                    continue
                names = sorted(set(params) | set(COMMON))
                for value in HOSTILE if full else SHARP:  # every name at once
                    check("get", url, {name: value for name in names}, "all")
                check("get", url, {name: ["1", "abc"] for name in names}, "all repeated")
                if base.status_code == 200 and full:  # the view itself ran: each parameter it reads, alone
                    for name in params:
                        for value in SHARP:
                            check("get", url, {name: value}, name)
                if _takes_post(leaf) and leaf.name not in NO_POST:
                    for value in SHARP[:2] if leaf.admin else SHARP:
                        check("post", url, {name: value for name in params or COMMON}, "all")
        # patterns no converter can reach: the admin's catch-all, nonsense under known prefixes
        for url in ("/admin/abc/", "/admin/cases/abc/", "/admin/cases/case/abc%00/change/", "/cases/%00/",
                    "/places/99999999999999999999999999/", "/r/t/%00/"):
            check("get", url, {}, "path")
    finally:
        cache.clear()  # the public pages' rate-limit counters live in the cache
    assert not failures, f"{len(failures)} kinds of request failed ({walked} sent):\n" + "\n".join(
        f"{k} → {v}" for k, v in sorted(failures.items())[:60])
    assert walked > 300
