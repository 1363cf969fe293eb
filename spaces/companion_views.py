"""The tutors' and managers' space (issue 17): the candidates they follow, and each one's carnet de suivi, where
they attest the competences in their own role (`spaces.carnet` says who may, and until when)."""

from django.contrib import messages
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from referentials.models import Competence

from . import carnet
from .access import companion_required
from .forms_carnet import ROLE_SLUGS, AttestationForm, WithdrawalForm


@companion_required
def companion_home(request, person, followed):
    return render(
        request,
        "spaces/companion_home.html",
        {"person": person, "candidates": carnet.followed_list(person, followed)},
    )


@companion_required
def companion_candidate(request, person, candidate):
    return _render_carnet(request, person, candidate)


def _render_carnet(request, person, candidate, bound=None, status=200):
    """The carnet page; `bound`, a form posted and refused, takes its place with what was typed and why."""
    page = carnet.carnet_page(person, candidate)
    placed = False
    for bloc in page.blocs:
        if bloc.frozen:
            continue
        for line in bloc.lines:
            for role in page.roles:
                if line.of(role).attested_on:
                    form = WithdrawalForm(candidate=candidate, competence=line.competence, role=role)
                elif bound is not None and bound.prefix == f"attester-{line.competence.pk}-{role}":
                    form, placed = bound, True
                else:
                    form = AttestationForm(candidate=candidate, competence=line.competence, role=role)
                setattr(line, f"{role}_form", form)
    if bound is not None and not placed:
        for error in bound.non_field_errors():
            messages.error(request, error)
    return render(request, "spaces/companion_candidate.html", {"page": page, "candidate": candidate}, status=status)


def _competence_and_role(candidate, competence_pk, role):
    """A competence of the candidate's CQP, and a role named in the address; else 404."""
    competence = (
        Competence.objects.filter(pk=competence_pk, bloc__certificationbloc__certification=candidate.certification_id)
        .select_related("bloc")
        .first()
    )
    if competence is None or role not in ROLE_SLUGS:
        raise Http404(_("Aucune compétence du CQP de ce candidat ne porte ce numéro."))
    return competence, ROLE_SLUGS[role]


def _back(candidate, competence):
    url = reverse("spaces:companion_candidate", kwargs={"candidate_pk": candidate.pk})
    return redirect(f"{url}#competence-{competence.pk}")


@require_POST
@companion_required
def attest(request, person, candidate, competence_pk, role):
    competence, role = _competence_and_role(candidate, competence_pk, role)
    form = AttestationForm(request.POST, candidate=candidate, competence=competence, role=role)
    if form.is_valid():
        try:
            carnet.attest(
                candidate,
                competence,
                role=role,
                attested_on=form.cleaned_data["attested_on"],
                comment=form.cleaned_data["comment"],
                acting_user=request.user,
            )
        except carnet.CarnetError as error:
            form.add_error(None, str(error))
        else:
            messages.success(
                request, _("Compétence %(code)s attestée.") % {"code": f"{competence.bloc.code} {competence.code}"}
            )
            return _back(candidate, competence)
    return _render_carnet(request, person, candidate, bound=form, status=400)


@require_POST
@companion_required
def withdraw(request, person, candidate, competence_pk, role):
    competence, role = _competence_and_role(candidate, competence_pk, role)
    try:
        carnet.withdraw(candidate, competence, role=role, acting_user=request.user)
    except carnet.CarnetError as error:
        messages.error(request, str(error))
    else:
        messages.success(
            request,
            _("Attestation de la compétence %(code)s retirée.") % {"code": f"{competence.bloc.code} {competence.code}"},
        )
    return _back(candidate, competence)
