from django.contrib.auth.decorators import login_required
from django.http import Http404
from django.shortcuts import render

from . import selectors
from .models import PlaceKind


@login_required
def browser(request):
    root = selectors.place_scope_root(user=request.user)
    if root is None:
        raise Http404("no scope")
    counts = selectors.subtree_kind_counts(root)
    return render(request, "places/browser.html", {
        "root": root, "counts": counts,
        "children": children_with_counts(request.user, root),
    })


@login_required
def children(request, place_id: int):
    parent = selectors.place_get(user=request.user, place_id=place_id)
    return render(request, "places/_children.html", {"children": children_with_counts(request.user, parent)})


def children_with_counts(user, parent):
    kids = selectors.place_children(user=user, parent=parent)
    counts = selectors.descendant_counts(parent)
    return [(kid, counts.get(kid.path, {})) for kid in kids]


def map_features(user, place):
    """GeoJSON of the compounds under a node (or the compound itself), for the Leaflet outline map."""
    compounds = selectors.place_list(user=user).filter(path__startswith=place.path, kind=PlaceKind.COMPOUND)
    features = []
    for c in compounds.exclude(boundary=None).only("id", "name", "boundary", "compound_kind"):
        features.append({"type": "Feature", "geometry": c.boundary,
                         "properties": {"id": c.id, "name": c.name, "kind": c.compound_kind,
                                        "url": f"/places/{c.id}/"}})
    return {"type": "FeatureCollection", "features": features}
