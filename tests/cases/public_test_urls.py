"""The project's URLconf plus the public phone pages at `r/`, until weizhili/urls.py includes them."""
from django.urls import include, path

from weizhili import urls as project

urlpatterns = list(project.urlpatterns)
if not any(getattr(p, "namespace", None) == "public" for p in urlpatterns):
    urlpatterns.append(path("r/", include("weizhili.cases.public_urls")))
