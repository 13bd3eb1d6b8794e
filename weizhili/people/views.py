from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import Http404, HttpResponseForbidden
from django.shortcuts import render
from django.views.decorators.http import require_POST

from weizhili.audit.models import AuditResult
from weizhili.audit.services import audit_record
from weizhili.params import param_int, param_str
from weizhili.places.selectors import place_labels

from . import selectors, services
from .masking import mask_room

# The permission registry's actions (accounts/permissions.py), named here: people sits below accounts.
OPEN_LEDGER = "people.open_ledger"
SEARCH_BY_IDENTIFIER = "people.search_by_identifier"
UNMASK = "people.unmask_person"


@login_required
def person_list_view(request):
    allowed, reason = request.user.can(OPEN_LEDGER)
    if not allowed:
        raise PermissionDenied(reason)  # a list names nobody: saying why is safe
    q = param_str(request, "q")  # no NUL bytes or control characters reach the database
    refused = ""
    kind = selectors.identifier_kind(q)
    if kind:
        # A full phone or ID number finds one person anywhere in the scope: only roles that need it, each audited
        # with the kind of search, never the number.
        may, refused = request.user.can(SEARCH_BY_IDENTIFIER)
        qs = selectors.person_search(user=request.user, q=q) if may else selectors.person_list(user=request.user).none()
        audit_record(action="person.search", user=request.user, object_type="people.person",
                     result=AuditResult.OK if may else AuditResult.DENIED,
                     detail={"kind": kind, "found": qs.count() if may else 0})
    else:
        qs = selectors.person_search(user=request.user, q=q)
    page = Paginator(qs.order_by("place__path", "id"), 50).get_page(param_int(request, "page"))
    labels = place_labels([p.place for p in page])
    rows = [(p, mask_room(labels.get(p.place_id, ""))) for p in page]  # rooms masked outside a person's own page
    return render(request, "people/list.html", {"page": page, "rows": rows, "q": q, "refused": refused})


@login_required
def person_detail_view(request, person_id: int):
    person = selectors.person_get(user=request.user, person_id=person_id)
    if not request.user.can(OPEN_LEDGER)[0]:
        raise Http404("not for this role")  # like a missing person: a role outside the ledger learns nothing
    allowed, _reason = request.user.can(UNMASK, person)
    return render(request, "people/detail.html", {
        "person": person, "address": place_labels([person.place]).get(person.place_id, ""),
        "can_unmask": allowed,
    })


@login_required
@require_POST
def person_unmask_view(request, person_id: int):
    person = selectors.person_get(user=request.user, person_id=person_id)
    allowed, reason = request.user.can(OPEN_LEDGER)
    if allowed:
        allowed, reason = request.user.can(UNMASK, person)
    if not allowed:
        audit_record(action="person.unmask", obj=person, user=request.user, result=AuditResult.DENIED)
        return HttpResponseForbidden(reason)
    full = services.person_unmask(person=person, user=request.user)
    return render(request, "people/_unmasked.html", {"full": full})
