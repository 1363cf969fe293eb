"""RNCP identifiers (a bloc's code in a CQP's record, a version's registration date) are filled once from the
RNCP record, even on a version that evaluations use; nothing else of such a version changes."""

import datetime
from html.parser import HTMLParser

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from referentials import models
from referentials.models import Bloc, CertificationBloc, ReferentialVersion

pytestmark = pytest.mark.django_db

REGISTERED = datetime.date(2021, 4, 14)


@pytest.fixture
def in_use(shipped_referential, monkeypatch):
    """The shipped version, used by evaluations: the use is registered as the evaluating apps register theirs."""
    monkeypatch.setattr(models, "_referential_uses", [lambda version: ReferentialVersion.objects.filter(pk=version.pk)])
    assert shipped_referential.is_in_use()
    return shipped_referential


def gru(version):
    return Bloc.objects.get(version=version, code="GRU")


def gru_in(version, cqp="GC"):
    """GRU in one CQP: a common bloc, with a code in each CQP's RNCP record."""
    return CertificationBloc.objects.get(certification__version=version, certification__code=cqp, bloc__code="GRU")


def test_a_bloc_rncp_code_is_filled_once_on_a_version_in_use(in_use):
    link = gru_in(in_use)
    link.rncp_code = "RNCP35729BC01"
    link.full_clean()
    link.save()

    link.rncp_code = "RNCP35729BC02"
    with pytest.raises(ValidationError, match="elle ne peut plus être modifiée"):
        link.full_clean()
    link.rncp_code = ""
    with pytest.raises(ValidationError, match="elle ne peut plus être modifiée"):
        link.full_clean()


def test_a_common_bloc_gets_a_code_in_each_cqp_record(in_use):
    gc, cos = gru_in(in_use), gru_in(in_use, "COS")
    gc.rncp_code, cos.rncp_code = "RNCP35729BC01", "RNCP35543BC01"
    for link in (gc, cos):
        link.full_clean()
        link.save()
    assert dict(CertificationBloc.objects.filter(bloc=gru(in_use)).values_list("certification__code", "rncp_code")) == {
        "GC": "RNCP35729BC01",
        "COS": "RNCP35543BC01",
    }


def test_filling_the_code_does_not_carry_another_change(in_use):
    link = gru_in(in_use)
    link.rncp_code = "RNCP35729BC01"
    link.order = 9
    with pytest.raises(ValidationError, match="elle ne peut plus être modifiée"):
        link.full_clean()


def test_nothing_else_of_a_version_in_use_changes(in_use):
    bloc = gru(in_use)
    bloc.full_clean()  # unchanged: nothing to refuse
    competence = bloc.competences.first()
    competence.text = "Autre chose"
    with pytest.raises(ValidationError, match="elle ne peut plus être modifiée"):
        competence.full_clean()
    new = models.Competence(bloc=bloc, code="C99", text="Nouvelle", order=99)
    with pytest.raises(ValidationError, match="elle ne peut plus être modifiée"):
        new.full_clean()


def test_a_version_registration_date_is_filled_once(in_use):
    in_use.registered_on = REGISTERED
    in_use.full_clean()
    in_use.save()

    in_use.registered_on = datetime.date(2021, 5, 1)
    with pytest.raises(ValidationError, match="elle ne peut plus être modifiée"):
        in_use.full_clean()
    in_use.refresh_from_db()
    in_use.label = "2020-bis"
    with pytest.raises(ValidationError, match="elle ne peut plus être modifiée"):
        in_use.full_clean()


def test_a_version_not_in_use_changes_as_before(shipped_referential):
    link = gru_in(shipped_referential)
    link.rncp_code = "RNCP35729BC01"
    link.save()
    link.rncp_code, link.order = "RNCP35729BC02", 9
    link.full_clean()
    shipped_referential.registered_on = REGISTERED
    shipped_referential.save()
    shipped_referential.registered_on, shipped_referential.label = None, "2020-bis"
    shipped_referential.full_clean()


def test_a_bloc_rncp_code_is_written_as_in_the_rncp_record_of_its_cqp(shipped_referential):
    link = gru_in(shipped_referential)
    link.rncp_code = " rncp35729bc01 "
    link.full_clean()
    assert link.rncp_code == "RNCP35729BC01"
    for wrong in ["35729-BC01", "RNCP35729", "RNCPBC01", "RNCP35729BC"]:
        link.rncp_code = wrong
        with pytest.raises(ValidationError, match=r"s'écrit comme dans la fiche RNCP .*RNCP35729BC01"):
            link.full_clean()
    link.rncp_code = "RNCP35543BC01"  # the COS's record
    with pytest.raises(ValidationError) as refused:
        link.full_clean()
    assert refused.value.message_dict == {
        "rncp_code": ["Ce code est celui d'un bloc d'une autre fiche RNCP : ceux du CQP GC commencent par RNCP35729BC."]
    }


# The admin -------------------------------------------------------------------------------------------


class FormFields(HTMLParser):
    """What a browser posts from the page's change form: its fields with their values."""

    def __init__(self):
        super().__init__()
        self.data, self.required, self._textarea, self._select, self._in_form = {}, set(), None, None, False

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "form" and attrs.get("id", "").endswith("_form"):
            self._in_form = True
        if not self._in_form or "name" not in attrs and tag not in ("option",):
            return
        name = attrs.get("name")
        if name and "required" in attrs:
            self.required.add(name)
        if tag == "input" and attrs.get("type") not in ("submit", "button", "file"):
            if attrs.get("type") not in ("checkbox", "radio") or "checked" in attrs:
                self.data[name] = attrs.get("value", "")
        elif tag == "textarea":
            self._textarea = name
            self.data[name] = ""
        elif tag == "select":
            self._select = name
            self.data.setdefault(name, "")
        elif tag == "option" and self._select and "selected" in attrs:
            self.data[self._select] = attrs.get("value", "")

    def handle_data(self, data):
        if self._textarea:
            self.data[self._textarea] += data

    def handle_endtag(self, tag):
        if tag == "textarea":
            self._textarea = None
        elif tag == "select":
            self._select = None
        elif tag == "form":
            self._in_form = False


def change_form(response):
    parser = FormFields()
    parser.feed(response.content.decode())
    return parser


def messages_of(response):
    return [str(message) for message in response.context["messages"]]


def test_the_page_of_a_bloc_in_a_cqp_of_a_version_in_use_lets_its_rncp_code_alone_be_filled(admin_client, in_use):
    link = gru_in(in_use)
    url = reverse("admin:referentials_certificationbloc_change", args=[link.pk])
    page = admin_client.get(url)
    assert page.context["has_change_permission"] is True
    assert messages_of(page) == [
        "Cette version du référentiel est utilisée par des évaluations : elle est en lecture seule, sauf « code "
        "du bloc au RNCP », à saisir une fois d'après la fiche RNCP. Créez une nouvelle version pour modifier le reste."
    ]
    form = change_form(page)
    assert {name for name in form.data if name != "csrfmiddlewaretoken"} == {"rncp_code"}  # the order is shown only
    assert "rncp_code" in form.required

    posted = form.data | {"rncp_code": "RNCP35729BC01", "order": "9", "_save": "1"}
    response = admin_client.post(url, posted)
    assert response.status_code == 302, response.context["adminform"].form.errors if response.context else ""
    link.refresh_from_db()
    assert (link.rncp_code, link.order) == ("RNCP35729BC01", 1)
    assert gru_in(in_use, "COS").rncp_code == ""  # the COS's record has its own

    # Filled: the page is read-only again.
    page = admin_client.get(url)
    assert page.context["has_change_permission"] is False
    assert "elle est en lecture seule. Créez une nouvelle version pour la modifier." in messages_of(page)[-1]
    assert admin_client.post(url, posted | {"rncp_code": "RNCP35729BC02"}).status_code == 403
    link.refresh_from_db()
    assert link.rncp_code == "RNCP35729BC01"


def test_the_page_refuses_an_empty_malformed_or_foreign_code_and_stays_editable(admin_client, in_use):
    link = gru_in(in_use)
    url = reverse("admin:referentials_certificationbloc_change", args=[link.pk])
    form = change_form(admin_client.get(url))
    response = admin_client.post(url, form.data | {"rncp_code": "", "_save": "1"})
    assert response.status_code == 200
    assert response.context["adminform"].form.errors == {"rncp_code": ["Ce champ est obligatoire."]}
    response = admin_client.post(url, form.data | {"rncp_code": "BC01", "_save": "1"})
    assert response.context["adminform"].form.errors == {
        "rncp_code": [
            "Un code de bloc au RNCP s'écrit comme dans la fiche RNCP : RNCP, le numéro de la certification, BC "
            "et le numéro du bloc (RNCP35729BC01)."
        ]
    }
    response = admin_client.post(url, form.data | {"rncp_code": "RNCP35543BC01", "_save": "1"})
    assert response.context["adminform"].form.errors == {
        "rncp_code": ["Ce code est celui d'un bloc d'une autre fiche RNCP : ceux du CQP GC commencent par RNCP35729BC."]
    }
    assert response.context["has_change_permission"] is True  # what was posted fills nothing
    link.refresh_from_db()
    assert link.rncp_code == ""


def test_the_cqp_page_links_each_bloc_to_its_own_page(admin_client, in_use):
    gc = gru_in(in_use).certification
    page = admin_client.get(reverse("admin:referentials_certification_change", args=[gc.pk])).content.decode()
    assert reverse("admin:referentials_certificationbloc_change", args=[gru_in(in_use).pk]) in page


def test_the_version_page_of_a_version_in_use_lets_its_registration_date_alone_be_filled(admin_client, in_use):
    url = reverse("admin:referentials_referentialversion_change", args=[in_use.pk])
    page = admin_client.get(url)
    assert "sauf « date d'enregistrement au RNCP (France compétences) », à saisir" in messages_of(page)[0]
    form = change_form(page)
    assert {name for name in form.data if name != "csrfmiddlewaretoken"} == {"registered_on"}
    response = admin_client.post(url, form.data | {"registered_on": "14/04/2021", "label": "Autre", "_save": "1"})
    assert response.status_code == 302
    in_use.refresh_from_db()
    assert (in_use.registered_on, in_use.label) == (REGISTERED, "2020")
    assert admin_client.get(url).context["has_change_permission"] is False


def test_a_version_not_in_use_stays_editable_as_a_whole(admin_client, shipped_referential):
    page = admin_client.get(reverse("admin:referentials_bloc_change", args=[gru(shipped_referential).pk]))
    assert {"title", "activity"} <= set(change_form(page).data)
    link = gru_in(shipped_referential)
    page = admin_client.get(reverse("admin:referentials_certificationbloc_change", args=[link.pk]))
    assert {"order", "rncp_code"} <= set(change_form(page).data)
    assert "rncp_code" not in change_form(page).required
    page = admin_client.get(reverse("admin:referentials_certification_change", args=[link.certification_id]))
    assert "certificationbloc_set-0-rncp_code" in change_form(page).data  # or among the CQP's blocs
