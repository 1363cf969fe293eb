"""The one check of the files users send (cqp_site/uploads.py): recognised by their first bytes, within a size,
refused with a sentence naming the file; no database."""

from django.core.files.uploadedfile import SimpleUploadedFile

from cqp_site import uploads

PDF = b"%PDF-1.7\n%%EOF\n"
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 8
JPEG = b"\xff\xd8\xff\xe0" + b"\x00" * 8


def upload(name, content):
    return SimpleUploadedFile(name, content)


def test_a_file_is_recognised_by_its_first_bytes_not_its_name():
    assert uploads.format_of(upload("photo.pdf", PNG), uploads.DOCUMENT_FORMATS) == uploads.PNG
    assert uploads.format_of(upload("scan.exe", JPEG), uploads.DOCUMENT_FORMATS) == uploads.JPEG
    assert uploads.format_of(upload("lettre.png", PDF), uploads.DOCUMENT_FORMATS) == uploads.PDF
    assert uploads.format_of(upload("livret.pdf", PNG), (uploads.PDF,)) is None
    assert uploads.format_of(upload("vide.pdf", b""), uploads.DOCUMENT_FORMATS) is None


def test_the_file_is_read_again_from_its_start_after_the_check():
    file = upload("lettre.pdf", PDF)
    assert uploads.upload_problems(file, formats=(uploads.PDF,), max_bytes=1024) == []
    assert file.read() == PDF


def test_each_refusal_names_the_file_and_says_why():
    assert uploads.upload_problems(upload("photo.png", PNG), formats=(uploads.PDF,), max_bytes=1024) == [
        "photo.png : ce n'est pas un PDF ; seul ce format est accepté."
    ]
    assert uploads.upload_problems(
        upload("setup.pdf", b"MZ\x90\x00"), formats=uploads.DOCUMENT_FORMATS, max_bytes=1024
    ) == ["setup.pdf : ni un PDF, ni une image PNG ou JPEG ; seuls ces formats sont acceptés."]
    assert uploads.upload_problems(
        upload("lettre.txt", b"Bonjour"), formats=(uploads.PNG, uploads.JPEG), max_bytes=1024
    ) == ["lettre.txt : format non reconnu ; seuls ces formats sont acceptés : PNG, JPEG."]
    # Too large: said alone, the content not read.
    assert uploads.upload_problems(upload("lourd.exe", b"MZ" * 1024), formats=(uploads.PDF,), max_bytes=1024) == [
        "lourd.exe : 2,0\xa0Kio, au-delà de 1,0\xa0Kio."
    ]


def test_a_file_named_otherwise_is_kept_under_its_format_s_extension():
    assert uploads.stored_name("livret.pdf", uploads.PDF, 200) == "livret.pdf"
    assert uploads.stored_name("livret.PDF", uploads.PDF, 200) == "livret.PDF"
    assert uploads.stored_name("livret.exe", uploads.PDF, 200) == "livret.exe.pdf"
    assert uploads.stored_name("photo", uploads.JPEG, 200) == "photo.jpg"
    assert uploads.stored_name("photo.jpeg", uploads.JPEG, 200) == "photo.jpeg"
    assert uploads.stored_name("a" * 300 + ".pdf", uploads.PDF, 200) == "a" * 196 + ".pdf"
