"""After `manage.py makemessages -l fr`: completes the French catalog, then `manage.py compilemessages`.

The site's msgids are its French text, so a catalog entry needs a translation only where French differs
from what gettext does without one: plurals (without a translation gettext applies English rules, « 0
jours »; here msgstr[0] is the singular msgid, msgstr[1] the plural one, and Plural-Forms `n > 1` makes 0
and 1 singular) and the libraries' English words listed in cqp_site/library_labels.py (FRENCH below).
msgmerge's fuzzy guesses from an older msgid are dropped (the msgid is the text). Run:

    DEBUG=1 .venv/bin/python manage.py makemessages -l fr --ignore=.venv --ignore=node_modules
    .venv/bin/python locale/fill_catalog.py locale/fr/LC_MESSAGES/django.po
    DEBUG=1 .venv/bin/python manage.py compilemessages --ignore=.venv --ignore=node_modules
"""

import re
import sys

path = sys.argv[1]
FRENCH = {
    "Task Result": "résultat de tâche",
    "Task Results": "résultats de tâches",
    "status": "état",
    "enqueued at": "mise en file le",
    "started at": "commencée le",
    "finished at": "terminée le",
    "args kwargs": "arguments",
    "priority": "priorité",
    "task path": "tâche",
    "worker id": "processus",
    "queue name": "file d'attente",
    "backend name": "moteur",
    "run after": "à exécuter après le",
    "return value": "valeur renvoyée",
    "exception class path": "exception",
    "traceback": "trace de l'erreur",
    "Ready": "prête",
    "Running": "en cours",
    "Failed": "échouée",
    "Successful": "réussie",
    "User Agent": "navigateur",
    "HTTP Accept": "en-tête HTTP Accept",
    "Locked Out": "bloqué",
    "Add %s": "Ajout : %s",
    "Search": "Rechercher",
    "%(full_result_count)s total": "%(full_result_count)s résultats",
    "Show all": "Tout afficher",
    "access attempt expiration": "expiration d'une tentative de connexion",
    "access attempt expirations": "expirations des tentatives de connexion",
}


def section(lines, key):
    """The lines of an entry's `key` (msgid, msgstr[0]…): its first line and those continuing it."""
    start = next((i for i, line in enumerate(lines) if line.startswith(key + " ")), None)
    if start is None:
        return None, None
    end = start + 1
    while end < len(lines) and lines[end].startswith('"'):
        end += 1
    return start, end


text = open(path).read()
blocks = text.split("\n\n")
out = []
for block in blocks:
    lines = block.split("\n")
    if block.startswith("# SOME DESCRIPTIVE TITLE") or (
        'msgid ""' in lines and any(line.startswith('"Plural-Forms') for line in lines)
    ):
        lines = [line for line in lines if line != "#, fuzzy"]
        lines = [
            line
            for line in lines
            if not line.startswith("# SOME DESCRIPTIVE TITLE")
            and not line.startswith("# Copyright (C) YEAR")
            and not line.startswith("# This file is distributed")
            and not line.startswith("# FIRST AUTHOR")
        ]
        if not lines[0].startswith("# The words"):
            lines = [
                "# The words of the certification CQP site (Ucanss): msgids are French; this catalog gives",
                "# French plural forms (0 and 1 singular) and French labels for the libraries' English words.",
            ] + lines
        block = "\n".join(lines)
        block = block.replace('"Project-Id-Version: PACKAGE VERSION\\n"', '"Project-Id-Version: cqp-certification\\n"')
        block = block.replace('"Language-Team: LANGUAGE <LL@li.org>\\n"', '"Language-Team: Ucanss\\n"')
        block = block.replace('"Last-Translator: FULL NAME <EMAIL@ADDRESS>\\n"', '"Last-Translator: Ucanss\\n"')
        block = block.replace(
            '"PO-Revision-Date: YEAR-MO-DA HO:MI+ZONE\\n"', '"PO-Revision-Date: 2026-11-28 15:00+0100\\n"'
        )
        out.append(block)
        continue

    if "#, fuzzy" in " ".join(lines) or any(line.startswith("#, fuzzy") for line in lines):
        # msgmerge's guess from an older msgid: the msgids are the French text, so the guess is dropped.
        lines = [line for line in lines if not line.startswith("#| ")]
        lines = [
            re.sub(r"^#, fuzzy, ", "#, ", line) if line.startswith("#, fuzzy, ") else line
            for line in lines
            if line != "#, fuzzy"
        ]
        cut = next(i for i, line in enumerate(lines) if line.startswith("msgstr"))
        if any(line.startswith("msgid_plural ") for line in lines):
            lines = lines[:cut] + ['msgstr[0] ""', 'msgstr[1] ""']
        else:
            lines = lines[:cut] + ['msgstr ""']
    if any(line.startswith("msgid_plural ") for line in lines):
        s0, e0 = section(lines, "msgid")
        s1, e1 = section(lines, "msgid_plural")
        a0, b0 = section(lines, "msgstr[0]")
        a1, b1 = section(lines, "msgstr[1]")
        if lines[a0] == 'msgstr[0] ""' and b0 - a0 == 1 and lines[a1] == 'msgstr[1] ""' and b1 - a1 == 1:
            singular = ["msgstr[0] " + lines[s0][len("msgid ") :]] + lines[s0 + 1 : e0]
            plural = ["msgstr[1] " + lines[s1][len("msgid_plural ") :]] + lines[s1 + 1 : e1]
            lines = lines[:a0] + singular + plural + lines[b1:]
    else:
        s0, e0 = section(lines, "msgid")
        a0, b0 = section(lines, "msgstr")
        if s0 is not None and e0 - s0 == 1 and a0 is not None:
            m = re.fullmatch(r'msgid "(.*)"', lines[s0])
            if m and m.group(1) in FRENCH and lines[a0] == 'msgstr ""' and b0 - a0 == 1:
                lines[a0] = 'msgstr "{}"'.format(FRENCH[m.group(1)].replace('"', '\\"'))
    out.append("\n".join(lines))
open(path, "w").write("\n\n".join(out))
