from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import HttpResponseForbidden
from django.shortcuts import render
from django.views.decorators.http import require_POST

from weizhili.accounts.permissions import can_unmask
from weizhili.audit.models import AuditResult
from weizhili.audit.services import audit_record
from weizhili.places.selectors import place_labels

from . import selectors, services


@login_required
def person_list_view(request):
    q = request.GET.get("q", "")
    qs = selectors.person_search(user=request.user, q=q).order_by("place__path", "id")
    page = Paginator(qs, 50).get_page(request.GET.get("page"))
    labels = place_labels([p.place for p in page])
    rows = [(p, labels.get(p.place_id, "")) for p in page]
    return render(request, "people/list.html", {"page": page, "rows": rows, "q": q})


@login_required
def person_detail_view(request, person_id: int):
    person = selectors.person_get(user=request.user, person_id=person_id)
    allowed, _reason = can_unmask(request.user, person)
    return render(request, "people/detail.html", {
        "person": person, "address": place_labels([person.place]).get(person.place_id, ""),
        "can_unmask": allowed,
    })


@login_required
@require_POST
def person_unmask_view(request, person_id: int):
    person = selectors.person_get(user=request.user, person_id=person_id)
    allowed, reason = can_unmask(request.user, person)
    if not allowed:
        audit_record(action="person.unmask", obj=person, user=request.user, result=AuditResult.DENIED)
        return HttpResponseForbidden(reason)
    full = services.person_unmask(person=person, user=request.user)
    return render(request, "people/_unmasked.html", {"full": full})
