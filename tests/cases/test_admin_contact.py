"""The read-only case admin shows the reporter's contact masked, as every staff page does."""
from django.urls import reverse

from weizhili.cases.services import case_create


def test_case_admin_shows_the_contact_masked(client, tree, categories, personas):
    case = case_create(place=tree["east_household"], category=categories["sanitation"], description="楼道堆物",
                       contact_name="王秀英", contact_phone="13912345678")
    cadre = personas["street_cadre"]
    cadre.is_staff = True
    cadre.save(update_fields=["is_staff"])
    client.force_login(cadre)
    html = client.get(reverse("admin:cases_case_change", args=[case.pk])).content.decode()
    assert "王*英" in html and "139****5678" in html
    assert "王秀英" not in html and "13912345678" not in html
