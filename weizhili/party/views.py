from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.db.models import Count
from django.http import Http404
from django.shortcuts import render

from weizhili.accounts.permissions import Action
from weizhili.params import param_choice, param_int, param_str
from weizhili.people.masking import mask_room
from weizhili.places.selectors import place_labels

from . import selectors
from .models import MemberStatus, OrgLevel, Registration


@login_required
def browser(request):
    root_place = request.user.place if request.user.scope_path is not None else None
    if root_place is None:
        raise Http404("no scope")
    orgs = list(selectors.org_list(user=request.user).annotate(n_members=Count("members"))
                .exclude(level__in=[OrgLevel.BUILDING_GROUP, OrgLevel.CENTRAL_HOUSEHOLD]).order_by("path")[:500])
    return render(request, "party/browser.html", {
        "root": root_place, "orgs": orgs, "coverage": selectors.coverage(root_place),
        "branches": selectors.branch_table(root_place),
    })


@login_required
def org_detail(request, org_id: int):
    org = selectors.org_get(user=request.user, org_id=org_id)
    members = list(selectors.member_list(user=request.user).filter(org=org).order_by("id")[:300])
    # The member names of a branch are the member list: only roles that keep it (the registry's rule).
    if not request.user.can(Action.OPEN_MEMBER_LIST)[0]:
        members = []
    labels = place_labels([m.place for m in members] + list(org.covers.all()))
    children = list(selectors.org_list(user=request.user)
                    .filter(path__startswith=org.path, depth=org.depth + 1).order_by("path")[:300])
    return render(request, "party/detail.html", {
        "org": org,
        "committee": org.committee.select_related("person").order_by("id"),
        "members": [(m, mask_room(labels.get(m.place_id, ""))) for m in members],
        "covers": [(c, labels.get(c.pk, c.name)) for c in org.covers.all()],
        "children": children, "stations": org.stations.all(),
        "coverage": selectors.coverage(org.place),
    })


@login_required
def member_list_view(request):
    allowed, reason = request.user.can(Action.OPEN_MEMBER_LIST)
    if not allowed:
        raise PermissionDenied(reason)  # a list names nobody: saying why is safe
    qs = selectors.member_list(user=request.user).order_by("place__path", "id")
    q = param_str(request, "q")
    if q:
        qs = qs.filter(person__name__contains=q)
    registration = param_choice(request, "registration", Registration.values, default="")
    if registration in Registration.values:
        qs = qs.filter(registration=registration)
    page = Paginator(qs, 50).get_page(param_int(request, "page"))
    labels = place_labels([m.place for m in page])
    return render(request, "party/members.html", {
        "page": page, "rows": [(m, mask_room(labels.get(m.place_id, ""))) for m in page], "q": q,
        "registration": registration, "registrations": Registration.choices, "statuses": MemberStatus,
    })
