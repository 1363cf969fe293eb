"""The candidate's space and the tutors' and managers' space."""

from django.shortcuts import render

from .access import candidate_required, companion_required


@candidate_required
def candidate_home(request, candidate):
    return render(request, "spaces/candidate_home.html", {"candidate": candidate})


@companion_required
def companion_home(request, person, followed):
    candidates = followed.select_related("organisation", "certification").order_by("last_name", "first_name")
    return render(request, "spaces/companion_home.html", {"person": person, "candidates": candidates})
