"""The shipped referential (fixtures/referentials/cqp-2020.json), proved against its source texts.

Plain pytest: no Django, no database; it only reads files.

- sources/003_…txt: the Ucanss booklet "Référentiels des CQP en blocs de compétences" (blocs, activities,
  competences, evaluation modalities, certifications).
- sources/000_…txt: the evaluation referential of the CQP Gestionnaire conseil, text extracted from a PDF
  table: its columns are interleaved and each criterion starts with "- ".

Both seeds and the fixture's texts go through the one normaliser below: lines joined with a single space,
a word broken across lines with a hyphen at line end joined without a space (keeping the hyphen),
"- " item markers taken off, runs of white space collapsed to one space, ends stripped.
"""

import json
import re
from pathlib import Path

import pytest

REFERENTIALS = Path(__file__).resolve().parents[2] / "fixtures" / "referentials"
FIXTURE = REFERENTIALS / "cqp-2020.json"
SEED_CRITERIA = REFERENTIALS / "sources" / "000_de2ab96e411c34ae.txt"
SEED_BOOKLET = REFERENTIALS / "sources" / "003_e2ccfb6336838022.txt"

ITEM = "\n"  # separates the "- " items in the output of normalise(..., items=True)
HYPHENATED = re.compile(r"\w-$")


def normalise(text, *, items=False):
    """Join lines, take off "- " markers, collapse white space, join line-end hyphenation.

    With items=True, every "- " item starts on a line of its own (ITEM); otherwise the text is one line.
    """
    out = ""
    for line in text.splitlines():
        line = " ".join(line.split())
        if not line:
            continue
        if line == "-" or line.startswith("- "):
            out = out.rstrip(" ") + (ITEM if items else " ") + line[1:].lstrip()
        elif HYPHENATED.search(out):
            out += line
        else:
            out += (" " if out and not out.endswith(ITEM) else "") + line
    return "\n".join(" ".join(part.split()) for part in out.split(ITEM)).strip()


def read(path):
    return path.read_text(encoding="utf-8")


@pytest.fixture(scope="module")
def data():
    return json.loads(read(FIXTURE))


@pytest.fixture(scope="module")
def blocs(data):
    return {bloc["code"]: bloc for bloc in data["blocs"]}


@pytest.fixture(scope="module")
def seed_000_items():
    """Seed 000 normalised, one "- " item a line (the first line is what precedes the first item)."""
    return normalise(read(SEED_CRITERIA), items=True).split(ITEM)


@pytest.fixture(scope="module")
def seed_000():
    return normalise(read(SEED_CRITERIA))


@pytest.fixture(scope="module")
def seed_003():
    return normalise(read(SEED_BOOKLET))


def test_normaliser():
    assert normalise("- Applique les préconisations\n  et consignes afférents à l'auto-\ncontrôle \n") == (
        "Applique les préconisations et consignes afférents à l'auto-contrôle"
    )
    assert normalise("- un\ndeux  trois\n\n - quatre\n- cinq", items=True) == "un deux trois\nquatre\ncinq"
    # Only a dash that opens a line and is followed by a space marks an item.
    assert normalise("a - b\n-c") == "a - b -c"


# --- Counts ---------------------------------------------------------------------------------------

CRITERIA_COUNTS = {
    "GRU": {"C1": 5, "C2": 6, "C3": 6, "C4": 4, "C5": 4, "C6": 5},
    "MDR": {"C7": 6, "C8": 3, "C9": 4, "C10": 4, "C11": 3},
    "GDU": {"C12": 7, "C13": 5, "C14": 4, "C15": 3, "C16": 4},
    # The texts give no criteria for these two COS blocs: none may be invented.
    "POS": {"C12": 0, "C13": 0, "C14": 0},
    "TD": {"C15": 0, "C16": 0, "C17": 0, "C18": 0},
}


def test_format_and_version(data):
    assert data["format"] == "cqp-referential/1"
    assert data["version"]["label"] == "2020"
    assert data["version"]["date"] == "2020-06-24"
    source = data["version"]["source"]
    assert "Référentiels des Certificats de Qualification Professionnelle en blocs de compétences" in source
    assert "Référentiels CQP Gestionnaire conseil de la Sécurité sociale" in source
    assert "24 juin 2020" in source and "CPNEFP" in source


def test_file_is_utf8_json_indented_by_two():
    raw = read(FIXTURE)
    assert raw == json.dumps(json.loads(raw), indent=2, ensure_ascii=False) + "\n"


def test_bloc_codes_and_order(data):
    assert [bloc["code"] for bloc in data["blocs"]] == ["GRU", "MDR", "GDU", "POS", "TD"]


def test_criteria_counts_per_competence(blocs):
    counts = {
        code: {competence["code"]: len(competence["criteria"]) for competence in bloc["competences"]}
        for code, bloc in blocs.items()
    }
    assert counts == CRITERIA_COUNTS
    # Dict equality ignores order: the competences must also come in the order of their codes.
    for bloc in blocs.values():
        assert [c["code"] for c in bloc["competences"]] == list(CRITERIA_COUNTS[bloc["code"]])


def test_criteria_counts_per_bloc(blocs):
    per_bloc = {code: sum(len(c["criteria"]) for c in bloc["competences"]) for code, bloc in blocs.items()}
    assert per_bloc == {"GRU": 30, "MDR": 20, "GDU": 23, "POS": 0, "TD": 0}
    assert per_bloc["GRU"] + per_bloc["MDR"] + per_bloc["GDU"] == 73
    assert len(blocs["POS"]["competences"]) == 3
    assert len(blocs["TD"]["competences"]) == 4


def test_competences_per_certification(data, blocs):
    counts = {
        cert["code"]: sum(len(blocs[code]["competences"]) for code in cert["blocs"]) for cert in data["certifications"]
    }
    assert counts == {"GC": 16, "COS": 18}


# --- Certifications -------------------------------------------------------------------------------


def test_certifications(data):
    assert data["certifications"] == [
        {
            "code": "GC",
            "title": "Gestionnaire conseil de la Sécurité sociale",
            "rncp": "35729",
            "level": 5,
            "vae_interview_minutes": 45,
            "blocs": ["GRU", "MDR", "GDU"],
        },
        {
            "code": "COS",
            "title": "Conseiller offres de services de la Sécurité sociale",
            "rncp": "35543",
            "level": 4,
            "vae_interview_minutes": 45,
            "blocs": ["GRU", "MDR", "POS", "TD"],
        },
    ]


def test_certifications_against_the_booklet(data, seed_003):
    names = {"GC": "CQP GC", "COS": "CQP COS"}
    for cert in data["certifications"]:
        assert (
            f"Le {names[cert['code']]} est inscrit au [Répertoire National de la Certification Professionnelle](#) "
            f"(RNCP) au niveau {cert['level']} de qualification sous le numéro {cert['rncp']}."
        ) in seed_003
        assert f"Numéro de fiche RNCP : {cert['rncp']}" in seed_003
        assert f"Un entretien de {cert['vae_interview_minutes']} mn avec le jury VAE." in seed_003


# --- Blocs: titles, activities, evaluation ---------------------------------------------------------


def test_bloc_titles_and_activities_verbatim(blocs):
    lines = [line.strip() for line in read(SEED_BOOKLET).splitlines()]
    for bloc in blocs.values():
        title_line = lines.index(f"- Bloc **{bloc['title']}**")
        following = [line for line in lines[title_line + 1 :] if line]
        assert following[0] == f"Activité : {bloc['activity']}", bloc["code"]


EVALUATIONS = {
    "GRU": ("observation", 30, 20, True, None),
    "MDR": ("oral_presentation", 15, 15, True, 2),
    "GDU": ("observation", 75, 15, True, None),  # "1 heure 30 dont 15 minutes d'échange"
    "POS": ("observation", 30, 20, True, None),
    "TD": ("observation", 20, 15, True, None),
}
EVALUATION_FIELDS = ("exam_kind", "observed_minutes", "interview_minutes", "remote_allowed", "min_competences_covered")


def evaluation_tables():
    """003's section "Le référentiel d'évaluation des CQP COS et CG", one normalised text per bloc, tags removed."""
    text = read(SEED_BOOKLET)
    text = text[text.index("Le référentiel d'évaluation des CQP COS et CG :") :]
    parts = re.split(r"^(?=Bloc de compétences )", text, flags=re.MULTILINE)[1:]
    tables = {}
    for part in parts:
        code = re.search(r"\((GRU|MDR|GDU|POS|TD)\)", part.splitlines()[0]).group(1)
        tables[code] = normalise(re.sub(r"<[^>]+>", " ", part))
    return tables


def test_evaluations(blocs):
    tables = evaluation_tables()
    assert list(tables) == ["GRU", "MDR", "GDU", "POS", "TD"]
    for code, bloc in blocs.items():
        evaluation = bloc["evaluation"]
        assert tuple(evaluation[field] for field in EVALUATION_FIELDS) == EVALUATIONS[code], code
        assert ("réalisable à distance" in tables[code]) == evaluation["remote_allowed"], code
        description = evaluation["description"]
        assert description and not re.search(r"[<>]", description), code
        assert normalise(description) == description, code
        # The description is the table's modality text, sentence by sentence, in the table's order.
        position = 0
        for sentence in re.split(r"(?<=\.) (?=[A-ZÉ])", description):
            found = tables[code].find(sentence, position)
            assert found >= 0, (code, sentence)
            position = found + len(sentence)


def test_mdr_minimum_is_the_booklets(blocs, seed_003):
    assert blocs["MDR"]["evaluation"]["min_competences_covered"] == 2
    assert "permettant d'aborder à minima deux compétences du bloc" in seed_003


# --- Competences ----------------------------------------------------------------------------------


def booklet_table_rows(start, end=None):
    """(bloc, code, text) of the tab-separated competence rows of 003 from a heading to another (or the end)."""
    lines = read(SEED_BOOKLET).splitlines()
    lines = lines[lines.index(start) : lines.index(end) if end else None]
    rows, bloc = [], None
    for line in lines:
        heading = re.search(r"\((GRU|MDR|GDU|POS|TD)\)", line)
        if heading and line.upper().startswith("BLOC"):
            bloc = heading.group(1)
        fields = line.split("\t")
        for index, field in enumerate(fields[:-1]):
            if re.fullmatch(r"[Cc]\d+", field):
                rows.append((bloc, field.upper(), fields[index + 1]))
    return rows


def section_2_rows():
    return booklet_table_rows(
        "2. Les référentiels activités et compétences organisés en blocs de compétences",
        "3. Les voies d'accès aux CQP et les principes de certification",
    )


def test_competence_texts_occur_in_the_booklet(blocs, seed_003):
    for bloc in blocs.values():
        for competence in bloc["competences"]:
            assert competence["text"] == normalise(competence["text"]), (bloc["code"], competence["code"])
            assert competence["text"] in seed_003, (bloc["code"], competence["code"])


def test_competence_texts_are_the_section_2_tables(blocs):
    ours = [(code, c["code"], c["text"]) for code, bloc in blocs.items() for c in bloc["competences"]]
    assert ours == [(bloc, code, normalise(text)) for bloc, code, text in section_2_rows()]


def test_differences_with_the_evaluation_tables_have_a_note(blocs):
    later = booklet_table_rows("Le référentiel d'évaluation des CQP COS et CG :")
    later = {(bloc, code): normalise(text) for bloc, code, text in later}
    assert len(later) == 23
    differing = set()
    for code, bloc in blocs.items():
        for competence in bloc["competences"]:
            if later[code, competence["code"]] != competence["text"]:
                differing.add((code, competence["code"]))
                assert competence["note"], (code, competence["code"])
    assert differing == {("GRU", "C2"), ("GRU", "C3"), ("TD", "C16"), ("TD", "C17")}


def test_notes(blocs):
    for bloc in blocs.values():
        for competence in bloc["competences"]:
            assert isinstance(competence["note"], str)
            assert competence["note"] == competence["note"].strip()
    assert "Actualise régulièrement ses connaissances" in competence_of(blocs, "GDU", "C16")["note"]


def competence_of(blocs, bloc, code):
    return next(c for c in blocs[bloc]["competences"] if c["code"] == code)


# --- Criteria -------------------------------------------------------------------------------------

# Criteria that the PDF extraction cut in two with text of another column in between, by
# (bloc, competence, index): their pieces, in order; the criterion is the pieces joined by a space.
SPLIT = {
    ("GRU", "C1", 4): ["Promeut l'offre de service adaptée au profil et à la", "situation de l'usager"],
    ("GDU", "C15", 2): [
        "Transmet le dossier ou l'information en utilisant le canal",
        "adapté et en respectant la procédure ou la consigne",
    ],
}
# Criteria whose "- " marker the extraction lost: they follow the previous criterion in its item.
DASHLESS = {("GRU", "C3", 5)}
# Items of seed 000 that are not criteria (who evaluates, in the modality column).
NOT_CRITERIA = ("Un représentant métier", "L’organisme certificateur")


def all_criteria(blocs):
    """((bloc, competence, index), text) in the fixture's order, for the blocs seed 000 covers."""
    return [
        ((code, competence["code"], index), text)
        for code in ("GRU", "MDR", "GDU")
        for competence in blocs[code]["competences"]
        for index, text in enumerate(competence["criteria"])
    ]


def test_criteria_are_single_normalised_lines(blocs):
    for key, text in all_criteria(blocs):
        assert text == normalise(text), key
        assert not text.startswith("-"), key


def test_every_criterion_occurs_in_seed_000(blocs, seed_000):
    for key, text in all_criteria(blocs):
        if key in SPLIT:
            continue
        assert text in seed_000, key


def test_split_criteria_piece_by_piece(blocs, seed_000):
    criteria = dict(all_criteria(blocs))
    for key, pieces in SPLIT.items():
        assert criteria[key] == " ".join(pieces), key
        first = seed_000.find(pieces[0])
        assert first >= 0, key
        # Genuinely split: where it starts, the seed goes on with another column's text.
        assert seed_000[first : first + len(criteria[key])] != criteria[key], key
        position = first + len(pieces[0])
        for piece in pieces[1:]:
            found = seed_000.find(piece, position)
            assert found >= 0, (key, piece)
            position = found + len(piece)


def test_criteria_come_in_seed_000_order(blocs, seed_000):
    """Walking seed 000 once, every criterion (or each of its pieces) is found after the previous one."""
    position = 0
    for key, text in all_criteria(blocs):
        for piece in SPLIT.get(key, [text]):
            found = seed_000.find(piece, position)
            assert found >= 0, (key, piece)
            position = found + len(piece)


def test_every_item_of_seed_000_is_a_criterion(blocs, seed_000_items):
    """No criterion left out: each "- " item of seed 000 opens with the next criterion, in order."""
    items = [item for item in seed_000_items[1:] if not item.startswith(NOT_CRITERIA)]
    criteria = [(key, SPLIT.get(key, [text])[0]) for key, text in all_criteria(blocs)]
    dashed = [(key, start) for key, start in criteria if key not in DASHLESS]
    assert len(items) == len(dashed) == 72
    for item, (key, start) in zip(items, dashed, strict=True):
        assert item.startswith(start), (key, item[:80])
    for index, (key, text) in enumerate(criteria):
        if key in DASHLESS:
            previous_key, previous = criteria[index - 1]
            item = next(item for item in items if item.startswith(previous))
            assert item.startswith(f"{previous} {text}"), key


def test_pos_and_td_have_no_criteria(blocs):
    for code in ("POS", "TD"):
        assert all(competence["criteria"] == [] for competence in blocs[code]["competences"])


def test_c16_repeats_c15_as_seed_000_does(blocs):
    c15 = competence_of(blocs, "GDU", "C15")["criteria"]
    c16 = competence_of(blocs, "GDU", "C16")["criteria"]
    same = lambda text: text.replace("’", "'")  # noqa: E731 - the seed's first repetition has typographic apostrophes
    assert [same(text) for text in c16[:3]] == [same(text) for text in c15]
    assert c16[3].startswith("Actualise régulièrement ses connaissances")
