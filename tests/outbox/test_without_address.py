"""« Personnes sans adresse utilisable » (issue 15): a missing or invalid address never blocks an exam or a
deliberation, the message is marked as not sendable, and the administrator sees who has no usable address."""

import datetime
import re

import pytest
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Permission
from django.urls import reverse
from django.utils.html import escape
from django.utils.http import urlencode

from candidates.models import Candidate, Person, Route
from outbox import services
from outbox.models import Message, MessageKind, MessageStatus
from tests.candidates.factories import CandidateFactory, OrganisationFactory, PersonFactory
from tests.referentials.factories import CertificationFactory

pytestmark = pytest.mark.django_db

URL = "/admin/outbox/message/sans-adresse/"
NOT_SENDABLE = {"status__exact": MessageStatus.NOT_SENDABLE}


@pytest.fixture
def certification():
    return CertificationFactory()


def candidate(certification, first_name, last_name, email):
    return CandidateFactory(certification=certification, first_name=first_name, last_name=last_name, email=email)


def results_to(candidate, address=None):
    """The results of a candidate, queued as the deliberation's signature queues them."""
    address = candidate.email if address is None else address
    return services.queue(address, "Vos résultats", "Bonjour", kind=MessageKind.RESULTS, candidate_id=candidate.pk)


def messages_url(**filters):
    return escape(f"{reverse('admin:outbox_message_changelist')}?{urlencode({**NOT_SENDABLE, **filters})}")


def page(client, **query):
    response = client.get(URL, query)
    assert response.status_code == 200
    return response.content.decode()


def row_of(html, text):
    """The table row holding `text`, tags and spaces squeezed."""
    for row in re.findall(r"<tr>(.*?)</tr>", html, re.S):
        if text in row:
            return re.sub(r"\s+", " ", row).strip()
    return None


def test_the_url_is_the_one_the_admin_links_to():
    assert reverse("admin:outbox_message_without_address") == URL


def test_a_candidate_without_address_is_listed_with_a_link_to_their_page(admin_client, certification):
    camille = candidate(certification, "Camille", "Durand", "")
    results_to(camille)
    results_to(camille)
    candidate(certification, "Léa", "Martin", "lea.martin@example.fr")
    html = page(admin_client)
    change = reverse("admin:candidates_candidate_change", args=[camille.pk])
    assert row_of(html, "DURAND Camille") == (
        f'<td><a href="{change}">DURAND Camille</a></td> <td>aucune adresse</td> '
        f'<td><a href="{messages_url(candidate_id=camille.pk, to="")}">2</a></td>'
    )
    assert '<h2 id="candidats">Candidats (1)</h2>' in html
    assert "MARTIN" not in html


def test_an_address_not_shaped_like_one_is_listed_before_any_message(admin_client, certification):
    camille = candidate(certification, "Camille", "Durand", "camille.durand@example.fr")
    Candidate.objects.filter(pk=camille.pk).update(email="camille.durand@@example.fr")  # an old import
    html = page(admin_client)
    link = messages_url(candidate_id=camille.pk, to="camille.durand@@example.fr")
    assert row_of(html, "DURAND Camille").endswith(
        f'<td>camille.durand@@example.fr</td> <td><a href="{link}">0</a></td>'
    )


def test_an_address_refused_by_the_outbox_is_listed_until_it_is_corrected(admin_client, certification):
    """`exemple..fr` is shaped like an address (the database's pattern lets it through) and Django's
    validator refuses it when a message is queued: from then on, its holder is listed."""
    camille = candidate(certification, "Camille", "Durand", "camille@exemple..fr")
    assert "DURAND Camille" not in page(admin_client)
    message = results_to(camille)
    assert (message.status, message.last_error) == (MessageStatus.NOT_SENDABLE, "Adresse électronique invalide.")
    link = messages_url(candidate_id=camille.pk, to="camille@exemple..fr")
    assert row_of(page(admin_client), "DURAND Camille").endswith(
        f'<td>camille@exemple..fr</td> <td><a href="{link}">1</a></td>'
    )
    camille.email = "camille.durand@example.fr"
    camille.save()
    assert "DURAND Camille" not in page(admin_client)


def test_jury_members_tutors_and_managers_without_address_are_listed_with_their_refused_messages(admin_client):
    nobody = PersonFactory(first_name="Sophie", last_name="Bernard", email="")
    invalid = PersonFactory(first_name="Karim", last_name="Haddad", email="karim@exemple..fr")
    PersonFactory(first_name="Claire", last_name="Dumas", email="claire.dumas@example.fr")
    services.queue(invalid.email, "Convocation", "Bonjour", kind=MessageKind.JURY_CONVOCATION)
    services.queue("", "Convocation", "Bonjour", kind=MessageKind.JURY_CONVOCATION)  # Sophie Bernard's
    html = page(admin_client)
    sophie = reverse("admin:candidates_person_change", args=[nobody.pk])
    karim = reverse("admin:candidates_person_change", args=[invalid.pk])
    assert row_of(html, "BERNARD Sophie") == (
        f'<td><a href="{sophie}">BERNARD Sophie</a></td> <td>aucune adresse</td> <td>—</td>'
    )
    assert row_of(html, "HADDAD Karim") == (
        f'<td><a href="{karim}">HADDAD Karim</a></td> <td>karim@exemple..fr</td> '
        f'<td><a href="{messages_url(to="karim@exemple..fr")}">1</a></td>'
    )
    assert "DUMAS" not in html
    assert '<h2 id="personnes">Jurés, tuteurs, managers et formateurs (2)</h2>' in html


def test_the_refused_addresses_are_listed_with_their_messages(admin_client):
    services.queue("", "Convocation", "Bonjour", kind=MessageKind.JURY_CONVOCATION)
    services.queue("", "Convocation", "Bonjour", kind=MessageKind.CONVOCATION)
    services.queue("karim@exemple..fr", "Convocation", "Bonjour", kind=MessageKind.JURY_CONVOCATION)
    services.queue("claire.dumas@example.fr", "Convocation", "Bonjour", kind=MessageKind.JURY_CONVOCATION)
    html = page(admin_client)
    assert '<h2 id="adresses">Adresses refusées par la messagerie (2)</h2>' in html
    assert row_of(html, "<td>aucune adresse</td>").endswith(f'<td><a href="{messages_url(to="")}">2</a></td>')
    assert row_of(html, "<td>karim@exemple..fr</td>").endswith(
        f'<td><a href="{messages_url(to="karim@exemple..fr")}">1</a></td>'
    )
    assert "claire.dumas" not in html


def test_the_link_to_the_messages_lists_those_without_address(admin_client):
    services.queue("", "Convocation", "Bonjour", kind=MessageKind.CONVOCATION)
    services.queue("karim@exemple..fr", "Convocation", "Bonjour", kind=MessageKind.JURY_CONVOCATION)
    url = f"{reverse('admin:outbox_message_changelist')}?{urlencode({**NOT_SENDABLE, 'to': ''})}"
    response = admin_client.get(url)
    assert response.status_code == 200
    assert [message.to for message in response.context["cl"].result_list] == [""]


def links(html, model):
    """How many people of the page link to their admin page."""
    return len(re.findall(rf'<a href="/admin/candidates/{model}/\d+/change/">', html))


def many_candidates_without_address(certification, count):
    organisation = OrganisationFactory()
    first = Candidate.objects.count()
    candidates = Candidate.objects.bulk_create(
        Candidate(
            first_name="Prénom",
            last_name=f"Nom{first + number:05d}",
            birth_date=datetime.date(1980, 1, 1) + datetime.timedelta(days=first + number),
            organisation=organisation,
            certification=certification,
            route=Route.TRAINING,
            email="",
        )
        for number in range(count)
    )
    Message.objects.bulk_create(
        services._message_of(
            services.Draft(to="", subject="Vos résultats", text="Bonjour", kind="results", candidate_id=c.pk)
        )
        for c in candidates
    )
    Person.objects.bulk_create(
        Person(first_name="Juré", last_name=f"Nom{first + number:05d}", organisation=organisation, email="")
        for number in range(count)
    )


def test_the_page_reads_the_same_queries_for_3_or_120_people_and_pages_them(
    admin_client, certification, django_assert_num_queries
):
    """2 queries for the session and its account, then 2 per list: its count and its page of rows (the
    refused messages counted in the rows' query), whatever the number of people."""
    many_candidates_without_address(certification, 3)
    with django_assert_num_queries(8):
        page(admin_client)
    many_candidates_without_address(certification, 117)
    with django_assert_num_queries(8):
        html = page(admin_client)
    assert '<h2 id="candidats">Candidats (120)</h2>' in html
    assert links(html, "candidate") == 50
    assert "Page 1 sur 3" in html
    html = page(admin_client, candidats="3", personnes="2")
    assert links(html, "candidate") == 20
    assert links(html, "person") == 50
    assert '<a href="?candidats=2&amp;personnes=2#candidats">Page précédente</a>' in html
    assert '<a href="?candidats=3&amp;personnes=3#personnes">Page suivante</a>' in html
    assert links(page(admin_client, candidats="n'importe quoi"), "candidate") == 50


def test_a_page_number_out_of_range_shows_the_last_page(admin_client, certification):
    many_candidates_without_address(certification, 60)
    html = page(admin_client, candidats="99")
    assert links(html, "candidate") == 10


def test_the_page_is_refused_to_staff_without_the_view_permission(client):
    staff = get_user_model().objects.create_user("agent", is_staff=True)
    client.force_login(staff)
    assert client.get(URL).status_code == 403
    staff.user_permissions.add(Permission.objects.get(codename="view_message"))
    assert client.get(URL).status_code == 200


def test_the_page_sends_anyone_else_to_the_admins_login(client):
    jury = get_user_model().objects.create_user("jury")
    client.force_login(jury)
    response = client.get(URL)
    assert (response.status_code, response["Location"]) == (302, f"{reverse('admin:login')}?next={URL}")
