"""Common French passwords, refused by Django's CommonPasswordValidator beside its own (English) list.

Where the list comes from: it is written for this project, not taken from a leaked corpus. The words
are the ones published rankings of French passwords keep putting at the top (azerty, motdepasse,
soleil, doudou, chouchou, marseille, jetaime, loulou, bonjour...), usual first names, places and
football clubs, and the names of the Sécurité sociale's bodies and of this site, which an attacker
tries first here. Each is combined with what people add to pass a length rule (digits, years, « ! »)
and, as the validator compares lowercase, written in lowercase. Entries shorter than 12 characters are
left out: the length rule refuses them already.

`common-fr.txt.gz` is this module's output, one password a line (compressed: Django reads a plain file
in the server's locale encoding, a compressed one in UTF-8); after a change here, write it again:

    python -m cqp_site.passwords
"""

import gzip
from pathlib import Path

LIST_PATH = Path(__file__).resolve().parent / "common-fr.txt.gz"
MIN_LENGTH = 12

KEYBOARD = [
    "azerty",
    "azertyu",
    "azertyui",
    "azertyuiop",
    "azertyqwerty",
    "qsdfgh",
    "qsdfghjklm",
    "wxcvbn",
    "azeqsdwxc",
    "aqwzsxedc",
    "123azerty",
    "azerty123",
]
WORDS = [
    "motdepasse",
    "mot de passe",
    "motdepass",
    "monmotdepasse",
    "nouveaumotdepasse",
    "bienvenue",
    "bonjour",
    "bonsoir",
    "coucou",
    "salut",
    "soleil",
    "jetaime",
    "jetadore",
    "je t'aime",
    "amour",
    "monamour",
    "mamour",
    "moncoeur",
    "mon coeur",
    "doudou",
    "chouchou",
    "loulou",
    "louloute",
    "nounours",
    "bisous",
    "cherie",
    "chéri",
    "chérie",
    "bebe",
    "bébé",
    "maman",
    "papa",
    "mamie",
    "papi",
    "famille",
    "maison",
    "princesse",
    "chocolat",
    "cheval",
    "chaton",
    "papillon",
    "dauphin",
    "tigrou",
    "vacances",
    "liberte",
    "liberté",
    "france",
    "francais",
    "français",
    "bretagne",
    "provence",
    "corse",
    "paris",
    "marseille",
    "lyon",
    "toulouse",
    "bordeaux",
    "nantes",
    "lille",
    "strasbourg",
    "montpellier",
    "nice",
    "rennes",
    "football",
    "rugby",
    "olympique",
    "allezlom",
    "allezparis",
    "lesbleus",
    "allezlesbleus",
    "zidane",
    "psg",
    "om",
    "secret",
    "confidentiel",
    "provisoire",
    "temporaire",
    "changement",
    "administrateur",
    "utilisateur",
]
FIRST_NAMES = [
    "camille",
    "nicolas",
    "julien",
    "thomas",
    "alexandre",
    "antoine",
    "maxime",
    "kevin",
    "sebastien",
    "stephane",
    "christophe",
    "frederic",
    "laurent",
    "olivier",
    "philippe",
    "pierre",
    "marie",
    "nathalie",
    "isabelle",
    "sandrine",
    "celine",
    "stephanie",
    "valerie",
    "sophie",
    "aurelie",
    "emilie",
    "julie",
    "laura",
    "manon",
    "chloe",
    "emma",
    "lucas",
    "hugo",
    "enzo",
    "louis",
    "nathan",
]
# This site's own words: the first an attacker tries against it.
SITE = [
    "ucanss",
    "securitesociale",
    "sécuritésociale",
    "securite sociale",
    "sécurité sociale",
    "securite",
    "sécurité",
    "assurancemaladie",
    "ameli",
    "cpam",
    "caf",
    "urssaf",
    "carsat",
    "cnam",
    "cnaf",
    "msa",
    "maladie",
    "retraite",
    "certification",
    "cqp",
    "jury",
    "delegue",
    "president",
    "présidente",
]
YEARS = [str(year) for year in range(1960, 2031)]
SUFFIXES = [
    "",
    "!",
    "1",
    "01",
    "12",
    "13",
    "69",
    "75",
    "123",
    "1234",
    "12345",
    "123456",
    "123456789",
    "1!",
    "123!",
    "*",
    ".",
    "@",
    "#",
    *YEARS,
    *(f"{year}!" for year in YEARS[-16:]),
    *(f"@{year}" for year in YEARS[-16:]),
]


def french_common_passwords() -> list[str]:
    """The list, sorted: every word with every suffix, doubled words too (« azertyazerty »)."""
    bases = [*KEYBOARD, *WORDS, *FIRST_NAMES, *SITE]
    candidates = {base + suffix for base in bases for suffix in SUFFIXES}
    candidates |= {base + base for base in bases}
    return sorted(password for password in candidates if len(password) >= MIN_LENGTH)


def write_list(path=LIST_PATH) -> int:
    """Writes the list, byte for byte the same for the same list (no date, no name in the gzip header)."""
    passwords = french_common_passwords()
    text = "".join(f"{password}\n" for password in passwords).encode()
    with open(path, "wb") as file, gzip.GzipFile(filename="", mode="wb", fileobj=file, mtime=0) as compressed:
        compressed.write(text)
    return len(passwords)
