"""The jury's grid in a real browser: Debian's chromium driven by Playwright against the live server.

What only a browser shows: outcomes recomputed live as radios change, what is typed kept across a
reload, two members editing at once, the whole exam from login to both signatures.

Run alone with `python -m pytest -m browser`. Screenshots of the grid are written to the directory
named by the SCREENSHOT_DIR environment variable, when it is set.
"""

import os
import re
from pathlib import Path

import pytest
from django.urls import reverse
from playwright.sync_api import expect

from candidates.demo import PASSWORD
from evaluations import selectors
from evaluations.models import CompetenceAssessment, CriterionMark, Grid, GridStatus, Signature

from .conftest import exam_of

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def screenshot(page, name):
    """The whole page, into SCREENSHOT_DIR when it is set."""
    directory = os.environ.get("SCREENSHOT_DIR")
    if directory:
        Path(directory).mkdir(parents=True, exist_ok=True)
        # The sticky summary would stay where the window's top was, over the middle of the grid.
        page.screenshot(
            path=str(Path(directory) / f"{name}.png"), full_page=True, style=".grid-bar { position: static; }"
        )


# --- The jury member's gestures -------------------------------------------------------------------


def grid_url(exam):
    return reverse("evaluations:grid", kwargs={"pk": exam.pk})


def log_in(page, username):
    page.goto(reverse("login"))
    page.locator("#id_username").fill(username)
    page.locator("#id_password").fill(PASSWORD)
    page.locator("button[type=submit]").click()
    expect(page.get_by_role("heading", name="Mes épreuves")).to_be_visible()


def open_grid(page, exam):
    page.goto(grid_url(exam))
    expect(page.locator("#grid-form")).to_be_visible()


def criteria(competence_or_bloc):
    """Every criterion of a competence, or of every competence of a bloc, in order."""
    if hasattr(competence_or_bloc, "criteria"):
        return list(competence_or_bloc.criteria)
    return [criterion for competence in competence_or_bloc.competences for criterion in competence.criteria]


def radio(page, criterion, validated=True):
    """A criterion's radio, found by its label as the jury member reads it."""
    return page.locator(f"fieldset#id_{criterion.key}").get_by_label(
        "Validé" if validated else "Non validé", exact=True
    )


def mark(page, criterion_list, validated=True):
    for criterion in criterion_list:
        radio(page, criterion, validated).check()


def outcome(page, competence_or_bloc):
    prefix = "competence" if hasattr(competence_or_bloc, "criteria") else "bloc"
    return page.locator(f"#{prefix}-{competence_or_bloc.id}")


def competence_card(page, competence):
    return page.locator("section.card", has=page.locator(f"#competence-{competence.id}"))


def alerts(page):
    return page.locator(".alert")


def badge(page):
    return page.locator("#grid-status .badge")


def save(page):
    page.get_by_role("button", name="Enregistrer", exact=True).click()


def give_opinion(page, bloc, favourable=True):
    label = "Avis favorable à la validation du bloc" if favourable else "Avis défavorable à la validation du bloc"
    page.locator(f"fieldset#id_{bloc.verdict_key}").get_by_label(label, exact=True).check()


def submit(page):
    page.get_by_role("button", name="Enregistrer et soumettre aux signatures").click()


def sign(page):
    page.locator("#id_password").fill(PASSWORD)
    page.get_by_role("button", name="Signer", exact=True).click()


def stored_marks(exam):
    """criterion id -> stored mark (True, False or None), as the database holds them."""
    return dict(CriterionMark.objects.filter(grid__exam=exam).values_list("criterion_id", "validated"))


def layout_of(exam):
    return selectors.grid_layout(exam)


# --- The tests ------------------------------------------------------------------------------------


def test_jury_pair_runs_a_whole_exam_from_login_to_both_signatures(open_browser, demo_exams):
    exam = exam_of("Martin", "GRU")
    (bloc,) = layout_of(exam).blocs
    first, *others = bloc.competences
    c1, c2, c3, c4, c5 = first.criteria
    page = open_browser()

    # The president finds the exam among the grids to complete and opens it.
    log_in(page, "president")
    to_grade = page.locator("section", has=page.get_by_role("heading", name=re.compile("^Grilles à compléter")))
    row = to_grade.get_by_role("row").filter(has=page.locator(f'a[href="{grid_url(exam)}"]'))
    expect(row).to_contain_text("MARTIN Léa")
    expect(row).to_contain_text("GRU")
    row.get_by_role("link").click()
    expect(page).to_have_url(re.compile(re.escape(grid_url(exam)) + "$"))
    expect(page.get_by_role("heading", level=1)).to_contain_text("Léa Martin")
    expect(badge(page)).to_have_text("Non commencée")

    # The first competence's outcome follows the marks as they are given, without saving.
    expect(outcome(page, first)).to_have_text("… 0 critère validé sur 5, 4 requis : en attente (5 critères à évaluer)")
    mark(page, [c1, c2, c3])
    expect(outcome(page, first)).to_have_text(
        "… 3 critères validés sur 5, 4 requis : en attente (2 critères à évaluer)"
    )
    mark(page, [c4])
    expect(outcome(page, first)).to_have_text("✔ 4 critères validés sur 5, 4 requis : acquise")
    mark(page, [c5], validated=False)
    expect(outcome(page, first)).to_have_text("✔ 4 critères validés sur 5, 4 requis : acquise")
    mark(page, [c4], validated=False)
    expect(outcome(page, first)).to_have_text("✘ 3 critères validés sur 5, 4 requis : non acquise")
    expect(outcome(page, first).locator(".outcome")).to_have_class(re.compile("outcome-not_acquired"))
    expect(outcome(page, bloc)).to_contain_text("0 compétence acquise sur 6, 5 requises : en attente (5 compétences")

    save(page)
    expect(alerts(page)).to_have_text(["Grille enregistrée."])
    expect(badge(page)).to_have_text("En cours de saisie")

    # What was saved comes back from the server, not from this browser's memory.
    page.reload()
    expect(page.locator("#restored")).to_have_count(0)
    for criterion in (c1, c2, c3):
        expect(radio(page, criterion)).to_be_checked()
    for criterion in (c4, c5):
        expect(radio(page, criterion, validated=False)).to_be_checked()
    expect(outcome(page, first)).to_have_text("✘ 3 critères validés sur 5, 4 requis : non acquise")

    # The other five competences validated: the bloc is validated with five of six.
    for competence in others:
        mark(page, competence.criteria)
    expect(outcome(page, others[-1])).to_contain_text(f"{len(others[-1].criteria)} critères validés")
    expect(outcome(page, bloc)).to_have_text("✔ 5 compétences acquises sur 6, 5 requises : bloc validé")
    expect(page.locator("#problems")).to_have_text(
        "Avant de soumettre : GRU : donnez l'avis du jury, favorable ou défavorable."
    )
    give_opinion(page, bloc)
    expect(page.locator("#problems")).to_have_text("La grille est complète : elle peut être soumise.")
    screenshot(page, "1-grid-marked")

    submit(page)
    expect(alerts(page)).to_have_text(
        ["Grille enregistrée.", "Grille soumise : chaque membre du jury la signe maintenant avec son compte."]
    )
    expect(badge(page)).to_have_text("Soumise, en attente des signatures")
    sign(page)
    expect(alerts(page).first).to_have_text("Votre signature est enregistrée ; l'autre membre du jury doit signer.")
    expect(page.get_by_text("Vous avez signé.")).to_be_visible()
    screenshot(page, "2-grid-signed-by-president")

    # The representative, with her own account, finds the grid waiting for her signature.
    page.get_by_role("button", name="Se déconnecter").click()
    expect(page.get_by_role("heading", name="Connexion")).to_be_visible()
    log_in(page, "jury.maladie")
    to_sign = page.locator("section", has=page.get_by_role("heading", name=re.compile("^Grilles à signer")))
    to_sign.locator(f'a[href="{grid_url(exam)}"]').click()
    expect(page.locator("section[aria-label=Signatures]")).to_contain_text("Claire Dumas")
    sign(page)
    expect(alerts(page).first).to_have_text("Grille signée par les deux membres du jury : elle est définitive.")
    expect(badge(page)).to_have_text("Signée par le jury")
    expect(page.locator("section[aria-label=Signatures]")).to_contain_text("Sophie Bernard")
    expect(page.locator("section[aria-label=Signatures]")).to_contain_text("Empreinte du contenu signé")
    screenshot(page, "3-grid-signed")

    grid = Grid.objects.get(exam=exam)
    assert grid.status == GridStatus.SIGNED
    assert Signature.objects.filter(grid=grid).count() == 2
    assert set(Signature.objects.filter(grid=grid).values_list("user__username", flat=True)) == {
        "president",
        "jury.maladie",
    }
    marks = stored_marks(exam)
    assert [marks[c.id] for c in first.criteria] == [True, True, True, False, False]
    assert all(marks[c.id] is True for competence in others for c in competence.criteria)

    # The signed grid is frozen: nothing to click in the page...
    expect(radio(page, c1)).to_be_disabled()
    expect(radio(page, c4)).to_be_disabled()
    expect(page.get_by_role("button", name="Enregistrer", exact=True)).to_have_count(0)
    # ...and a forged save is refused with a message, the database left as it was.
    token = next(cookie["value"] for cookie in page.context.cookies() if cookie["name"] == "csrftoken")
    forged = {"csrfmiddlewaretoken": token, "revision": str(grid.revision), "save": "1"}
    forged.update({f"criterion-{pk}": "oui" if value else "non" for pk, value in marks.items()})
    forged[f"criterion-{c4.id}"] = "oui"
    response = page.request.post(grid_url(exam), form=forged)
    assert response.ok, response.status
    assert "La grille est signée par les deux membres du jury : elle ne peut plus être modifiée." in response.text()
    assert stored_marks(exam) == marks
    assert Grid.objects.get(exam=exam).revision == grid.revision
    assert Grid.objects.get(exam=exam).digest == grid.digest


def test_oral_presentation_needs_two_covered_competences_before_submission(open_browser, demo_exams):
    exam = exam_of("Martin", "MDR")
    (bloc,) = layout_of(exam).blocs
    competences = bloc.competences
    page = open_browser()
    log_in(page, "president")
    open_grid(page, exam)

    def tick(competence, label):
        competence_card(page, competence).get_by_label(label).check()

    mark(page, criteria(bloc))
    tick(competences[0], "Couverte par la présentation orale")
    expect(page.locator("#problems")).to_contain_text(
        "MDR : la présentation orale doit couvrir au moins 2 compétences (cochées : 1)."
    )
    submit(page)
    refusal = page.locator(".alert-danger")
    expect(refusal).to_contain_text("La grille est incomplète.")
    expect(refusal).to_contain_text("la présentation orale doit couvrir au moins 2 compétences")
    others = ", ".join(c.code for c in competences[1:])
    expect(refusal).to_contain_text(f"les compétences {others} ne sont ni couvertes par la présentation")
    expect(page.locator(".alert-success")).to_have_text("Grille enregistrée.")
    expect(badge(page)).to_have_text("En cours de saisie")
    screenshot(page, "4-oral-presentation-refused")
    assert Grid.objects.get(exam=exam).status == GridStatus.DRAFT

    # Two competences covered by the presentation, the others evaluated in the exchange; the opinion given.
    give_opinion(page, bloc)
    tick(competences[1], "Couverte par la présentation orale")
    for competence in competences[2:]:
        tick(competence, "Évaluée lors de l'échange")
    expect(page.locator("#problems")).to_have_text("La grille est complète : elle peut être soumise.")
    submit(page)
    expect(page.locator(".alert-success").last).to_have_text(
        "Grille soumise : chaque membre du jury la signe maintenant avec son compte."
    )
    expect(page.locator(".alert-danger")).to_have_count(0)
    expect(badge(page)).to_have_text("Soumise, en attente des signatures")
    assert Grid.objects.get(exam=exam).status == GridStatus.SUBMITTED
    coverage = {
        a.competence_id: (a.presented, a.discussed) for a in CompetenceAssessment.objects.filter(grid__exam=exam)
    }
    assert coverage == {c.id: (i < 2, i >= 2) for i, c in enumerate(competences)}


def test_vae_interview_grades_every_bloc_on_one_screen(open_browser, demo_exams):
    exam = exam_of("Lambert")
    layout = layout_of(exam)
    gru, mdr, gdu = layout.blocs
    page = open_browser()
    log_in(page, "president")
    open_grid(page, exam)

    expect(page.get_by_role("heading", level=1)).to_contain_text("entretien VAE")
    expect(page.locator("h2[id^=bloc-]")).to_have_text(
        [re.compile(r"^Bloc GRU — "), re.compile(r"^Bloc MDR — "), re.compile(r"^Bloc GDU — ")]
    )
    # The VAE interview is no oral presentation: no coverage boxes, even for MDR.
    expect(page.get_by_label("Couverte par la présentation orale")).to_have_count(0)

    c12, c13, c14 = gdu.competences[:3]
    expect(outcome(page, gdu)).to_have_text(
        "… 0 compétence acquise sur 5, 4 requises : en attente (5 compétences à décider)"
    )
    mark(page, c12.criteria)
    expect(outcome(page, c12)).to_have_text("✔ 7 critères validés sur 7, 6 requis : acquise")
    expect(outcome(page, gdu)).to_have_text(
        "… 1 compétence acquise sur 5, 4 requises : en attente (4 compétences à décider)"
    )
    mark(page, c13.criteria, validated=False)
    mark(page, c14.criteria, validated=False)
    expect(outcome(page, gdu)).to_have_text("✘ 1 compétence acquise sur 5, 4 requises : bloc non validé")
    # The other blocs are untouched.
    for other in (gru, mdr):
        expect(outcome(page, other)).to_contain_text("0 compétence acquise")
    screenshot(page, "5-vae-interview")


def test_a_jury_member_cannot_open_another_jurys_exam(open_browser, demo_exams):
    exam = exam_of("Martin", "GRU")
    page = open_browser()
    log_in(page, "jury.famille")
    expect(page.locator(f'a[href="{grid_url(exam)}"]')).to_have_count(0)
    response = page.goto(grid_url(exam))
    assert response.status == 404
    expect(page.locator("#grid-form")).to_have_count(0)
    expect(page.locator("body")).not_to_contain_text("Léa")


def test_unsaved_marks_survive_a_reload(open_browser, demo_exams):
    exam = exam_of("Martin", "GRU")
    (bloc,) = layout_of(exam).blocs
    c1, c2 = bloc.competences[0].criteria[:2]
    page = open_browser()
    log_in(page, "president")
    open_grid(page, exam)

    radio(page, c1).check()
    radio(page, c2, validated=False).check()
    expect(page.locator("#save-state")).to_have_text("Modifications non enregistrées.")
    page.reload()

    assert page.dialogs == ["beforeunload"], "leaving with unsaved marks should ask first"
    expect(page.locator("#restored")).to_be_visible()
    expect(page.locator("#restored")).to_contain_text("Une saisie non enregistrée a été retrouvée")
    expect(radio(page, c1)).to_be_checked()
    expect(radio(page, c2, validated=False)).to_be_checked()
    expect(outcome(page, bloc.competences[0])).to_contain_text("1 critère validé sur 5")
    screenshot(page, "6-restored")
    assert not Grid.objects.filter(exam=exam).exists()

    # Saved at last: the server has them and the notice is gone.
    save(page)
    expect(alerts(page)).to_have_text(["Grille enregistrée."])
    expect(page.locator("#restored")).to_have_count(0)
    marks = stored_marks(exam)
    assert (marks[c1.id], marks[c2.id]) == (True, False)


def test_two_members_editing_at_once_are_told_and_choose(open_browser, demo_exams):
    exam = exam_of("Martin", "GRU")
    (bloc,) = layout_of(exam).blocs
    c1, c2, c3, c4 = criteria(bloc)[:4]
    president, representative = open_browser(), open_browser()
    log_in(president, "president")
    log_in(representative, "jury.maladie")
    open_grid(president, exam)
    open_grid(representative, exam)

    # Both mark criterion 1, differently: the second to save is told and nothing of hers is written.
    radio(president, c1).check()
    save(president)
    expect(alerts(president)).to_have_text(["Grille enregistrée."])
    radio(representative, c1, validated=False).check()
    radio(representative, c2).check()
    save(representative)
    conflicts = representative.locator("#conflicts")
    expect(conflicts).to_contain_text("Claire Dumas a modifié la grille pendant votre saisie.")
    expect(conflicts).to_contain_text("Rien n'est enregistré. Pour 1 champ, vos saisies diffèrent")
    expect(conflicts.get_by_role("listitem")).to_have_text([re.compile(re.escape(c1.text) + ".*: Validé$")])
    expect(representative.locator(f"fieldset#id_{c1.key}")).to_have_class(re.compile(r"\bconflict\b"))
    expect(radio(representative, c1, validated=False)).to_be_checked()
    expect(radio(representative, c2)).to_be_checked()
    screenshot(representative, "7-conflict")
    marks = stored_marks(exam)
    assert (marks[c1.id], marks[c2.id]) == (True, None)
    assert Grid.objects.get(exam=exam).revision == 1

    # She keeps her choice and saves again: it is stored.
    save(representative)
    expect(alerts(representative)).to_have_text(["Grille enregistrée."])
    expect(representative.locator("#conflicts")).to_have_count(0)
    marks = stored_marks(exam)
    assert (marks[c1.id], marks[c2.id]) == (False, True)

    # Different criteria from a stale page: both edits are kept, and she is told they were merged.
    open_grid(president, exam)
    radio(president, c3).check()
    save(president)
    expect(alerts(president)).to_have_text(["Grille enregistrée."])
    radio(representative, c4, validated=False).check()
    save(representative)
    expect(alerts(representative)).to_have_text(
        [
            "Claire Dumas a enregistré la grille pendant votre saisie : "
            "vos modifications ont été fusionnées avec les siennes.",
            "Grille enregistrée.",
        ]
    )
    expect(radio(representative, c3)).to_be_checked()
    expect(radio(representative, c4, validated=False)).to_be_checked()
    marks = stored_marks(exam)
    assert [marks[c.id] for c in (c1, c2, c3, c4)] == [False, True, True, False]


def test_input_shown_on_a_conflict_survives_leaving_the_page(open_browser, demo_exams):
    exam = exam_of("Martin", "GRU")
    c1, c2 = criteria(layout_of(exam).blocs[0])[:2]
    president, representative = open_browser(), open_browser()
    log_in(president, "president")
    log_in(representative, "jury.maladie")
    open_grid(president, exam)
    open_grid(representative, exam)
    radio(president, c1).check()
    save(president)
    expect(alerts(president)).to_have_text(["Grille enregistrée."])
    radio(representative, c1, validated=False).check()
    radio(representative, c2).check()
    save(representative)
    expect(representative.locator("#conflicts")).to_be_visible()

    representative.get_by_role("link", name="← Mes épreuves").click()
    assert representative.dialogs == ["beforeunload"]  # she is warned that nothing was saved
    open_grid(representative, exam)
    expect(representative.locator("#restored")).to_be_visible()
    expect(radio(representative, c1, validated=False)).to_be_checked()
    expect(radio(representative, c2)).to_be_checked()


def test_unsaved_input_stays_with_its_author_on_a_shared_browser(open_browser, demo_exams):
    exam = exam_of("Martin", "GRU")
    c1 = criteria(layout_of(exam).blocs[0])[0]
    page = open_browser()
    log_in(page, "president")
    open_grid(page, exam)
    radio(page, c1).check()
    page.get_by_role("button", name="Se déconnecter").click()
    log_in(page, "jury.maladie")
    open_grid(page, exam)
    expect(page.locator("#restored")).to_have_count(0)
    expect(radio(page, c1)).not_to_be_checked()
