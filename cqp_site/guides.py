"""The users' guides, one per role, written in Markdown under docs/guides/ and shown in the application under
/aide/ (issue 19). They show demo data only, so every guide is public; the screenshots they reference are taken by
tests/test_guides_browser.py at every run, and written under docs/guides/images/ when a screen changed.

The files are read from the repository, never from a request: a guide's slug or an image's name is looked up among
the files present, and anything else is « not found ».
"""

import functools
import re
from dataclasses import dataclass
from pathlib import Path

import markdown
from django.conf import settings
from django.urls import reverse
from markdown.treeprocessors import Treeprocessor

from . import navigation

GUIDES_DIR = Path(settings.BASE_DIR) / "docs" / "guides"
IMAGES_DIR = GUIDES_DIR / "images"

# The guide of each role of the navigation, in the order of the help page.
ROLE_GUIDES = {
    navigation.JURY: "jury",
    navigation.NATIONAL: "jury-national",
    navigation.ADMINISTRATOR: "administrateur",
    navigation.CANDIDATE: "candidat",
    navigation.COMPANION: "tuteur-manager",
}
ORDER = tuple(ROLE_GUIDES.values())
IMAGE = r"images/([a-z0-9-]+)\.png"  # a screenshot, as a guide names it
IMAGE_REFERENCE = re.compile(rf"!\[[^\]]*\]\({IMAGE}\)")


@dataclass(frozen=True)
class Guide:
    slug: str
    title: str
    summary: str
    text: str

    def images(self):
        """The names (without .png) of the screenshots the guide references."""
        return IMAGE_REFERENCE.findall(self.text)


def read_guide(path):
    text = path.read_text(encoding="utf-8")
    lines = text.splitlines()
    title = next(line.removeprefix("# ").strip() for line in lines if line.startswith("# "))
    paragraphs = [block.strip() for block in text.split("\n\n")]
    summary = next(block for block in paragraphs if block and not block.startswith(("#", "!", "-", "1.")))
    return Guide(path.stem, title, " ".join(summary.split()), text)


@functools.cache
def all_guides():
    """Every guide of docs/guides/, in the help page's order (then by name): read once per process, as the
    templates are (they are the repository's files, changed by a deployment only)."""
    guides = [read_guide(path) for path in GUIDES_DIR.glob("*.md") if path.stem != "README"]
    rank = {slug: index for index, slug in enumerate(ORDER)}
    return tuple(sorted(guides, key=lambda guide: (rank.get(guide.slug, len(ORDER)), guide.slug)))


def guides_for(roles):
    """Every guide, the guides of the given roles first."""
    first = [ROLE_GUIDES[role] for role in roles if role in ROLE_GUIDES]
    return sorted(all_guides(), key=lambda guide: first.index(guide.slug) if guide.slug in first else len(first))


def guide(slug):
    """The guide of that slug, or None: only the files of docs/guides/ are guides."""
    return next((guide for guide in all_guides() if guide.slug == slug), None)


def image_path(name):
    """The screenshot of that name (without .png), or None: only the files of docs/guides/images/."""
    return _images().get(name)


@functools.cache
def _images():
    """The screenshots by name, listed once per process, as the guides are read."""
    return {path.stem: path for path in IMAGES_DIR.glob("*.png")}


class _ApplicationLinks(Treeprocessor):
    """Links written for the repository (`images/x.png`, `jury.md`) made the application's (/aide/...)."""

    def run(self, root):
        for image in root.iter("img"):
            match = re.fullmatch(IMAGE, image.get("src", ""))
            if match:
                image.set("src", reverse("help_image", kwargs={"name": match[1]}))
                image.set("class", "img-fluid border rounded my-2")
                image.set("width", "1024")
                image.set("height", "768")
                image.set("loading", "lazy")
        for link in root.iter("a"):
            match = re.fullmatch(r"([a-z0-9-]+)\.md", link.get("href", ""))
            if match:
                link.set("href", reverse("help_guide", kwargs={"slug": match[1]}))
        for heading in root.iter("h2"):
            heading.set("class", "h4 mt-4")
        for table in root.iter("table"):
            table.set("class", "table table-sm")


class _ApplicationLinksExtension(markdown.Extension):
    def extendMarkdown(self, md):  # noqa: N802 (Markdown's name)
        md.treeprocessors.register(_ApplicationLinks(md), "application_links", 0)


def to_html(guide):
    """The guide as HTML for the site's layout, its title left to the page."""
    body = guide.text.split("\n", 1)[1] if guide.text.startswith("# ") else guide.text
    return markdown.markdown(body, extensions=["tables", "sane_lists", _ApplicationLinksExtension()])
