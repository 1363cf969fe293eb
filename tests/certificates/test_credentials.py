"""Issue 18, a machine-readable credential: each certificate's PDF embeds an Open Badges 3.0 credential signed by
the organisation (VC-JWT), downloadable from its verification page and from its holder's space, whose revocation
a W3C Bitstring Status List publishes.

Everything is read back independently of the code that wrote it: the PDF's attachments with pikepdf, the
signature with jwcrypto and the key of the certificate carried in `x5c` (compared with the PKCS#12 file read
with `cryptography`), the status list with base64 and gzip of the standard library."""

import base64
import datetime
import gzip
import io
import json
import re

import pikepdf
import pytest
from cryptography import x509
from cryptography.hazmat.primitives.serialization import Encoding, pkcs12
from django.urls import reverse
from jwcrypto import jwk, jws, jwt

from candidates.demo import PASSWORD
from certificates import credentials, services, status_list
from certificates.models import Certificate
from referentials.models import CertificationBloc
from tests.evaluations.test_deliberations import user

pytestmark = pytest.mark.django_db

SITE = "https://certification.example.fr"
OB3_CONTEXT = ["https://www.w3.org/ns/credentials/v2", "https://purl.imsglobal.org/spec/ob/v3p0/context-3.0.3.json"]
REASON = "Fraude constatée à l'épreuve."


# --- Reading back, with other libraries than the ones that wrote ---------------------------------------------


def b64url_decode(text):
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def attachments(pdf_bytes):
    """The PDF's embedded files: name -> (bytes, MIME type, AFRelationship)."""
    with pikepdf.open(io.BytesIO(pdf_bytes)) as pdf:
        return {
            name: (spec.get_file().read_bytes(), spec.get_file().mime_type, str(spec.obj.get("/AFRelationship")))
            for name, spec in pdf.attachments.items()
        }


def embedded_token(certificate):
    with certificate.pdf.open("rb") as stored:
        data, _mime, _relationship = attachments(stored.read())[f"credential-{certificate.number}.jwt"]
    return data.decode("ascii")


def header_of(token):
    return json.loads(b64url_decode(token.split(".")[0]))


def certificate_in(token):
    """The first certificate of the JWS's `x5c` chain (RFC 7515: base64, not base64url, DER)."""
    return x509.load_der_x509_certificate(base64.b64decode(header_of(token)["x5c"][0]))


def verified_claims(token, key=None):
    """The claims, once jwcrypto has checked the RS256 signature with the key of the `x5c` certificate."""
    key = key or jwk.JWK.from_pyca(certificate_in(token).public_key())
    return json.loads(jwt.JWT(jwt=token, key=key, algs=["RS256"], expected_type="JWS").claims)


def organisation_certificate(settings):
    """The signing certificate, read from the PKCS#12 file with `cryptography`."""
    _key, certificate, _others = pkcs12.load_key_and_certificates(
        settings.CERTIFICATE_P12_PATH.read_bytes(), settings.CERTIFICATE_P12_PASSPHRASE.encode()
    )
    return certificate


def status_bits(token):
    """The status list's bitstring: verified, then Multibase « u », base64url without padding, GZIP."""
    subject = verified_claims(token)["credentialSubject"]
    assert subject["encodedList"].startswith("u")
    return gzip.decompress(b64url_decode(subject["encodedList"][1:]))


def bit(bits, index):
    return bits[index // 8] >> (7 - index % 8) & 1


def ob3_problems(credential):
    """What an Open Badges 3.0 OpenBadgeCredential secured as a VC-JWT lacks, by the required fields of OB 3.0
    (appendix B.1, data models; §8.2, JWT payload) and of the Bitstring Status List (§2.1)."""
    problems = []

    def need(condition, what):
        if not condition:
            problems.append(what)

    def is_url(value):
        return isinstance(value, str) and re.match(r"^https://[^\s/]+(/\S*)?$", value) is not None

    def is_uri(value):
        return is_url(value) or isinstance(value, str) and re.match(r"^urn:uuid:[0-9a-f-]{36}$", value) is not None

    need(credential.get("@context", [])[:2] == OB3_CONTEXT, "@context: VC 2.0 then OB 3.0.3, in that order")
    need({"VerifiableCredential", "OpenBadgeCredential"} <= set(credential.get("type", [])), "type")
    need(is_uri(credential.get("id")), "id")
    issuer = credential.get("issuer", {})
    need(is_uri(issuer.get("id")) and "Profile" in issuer.get("type", []), "issuer: a Profile with an id")
    valid_from = credential.get("validFrom", "")
    need(re.match(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(Z|[+-]\d\d:\d\d)$", valid_from), "validFrom: a DateTimeZ")
    subject = credential.get("credentialSubject", {})
    need("AchievementSubject" in subject.get("type", []), "credentialSubject.type")
    need(subject.get("id") or subject.get("identifier"), "credentialSubject: an id or an identifier")
    for identity in subject.get("identifier", []):
        need(identity.get("type") == "IdentityObject", "identifier.type")
        need({"hashed", "identityHash", "identityType"} <= set(identity), "identifier: hashed, identityHash, type")
    achievement = subject.get("achievement", {})
    need(is_uri(achievement.get("id")) and "Achievement" in achievement.get("type", []), "achievement: id, type")
    for field in ("name", "description"):
        need(isinstance(achievement.get(field), str) and achievement[field], f"achievement.{field}")
    criteria = achievement.get("criteria", {})
    need(criteria.get("id") or criteria.get("narrative"), "achievement.criteria: an id or a narrative")
    need(achievement.get("achievementType") in {"Certificate", "MicroCredential"}, "achievementType: OB 3.0 term")
    for alignment in achievement.get("alignment", []):
        need("Alignment" in alignment.get("type", []), "alignment.type")
        need(alignment.get("targetName") and is_url(alignment.get("targetUrl")), "alignment: targetName, targetUrl")
    for schema in credential.get("credentialSchema", []):
        need(schema.get("type") == "1EdTechJsonSchemaValidator2019" and is_url(schema.get("id")), "credentialSchema")
    status = credential.get("credentialStatus", {})
    need(status.get("type") == "BitstringStatusListEntry", "credentialStatus.type")
    need(status.get("statusPurpose") == "revocation", "credentialStatus.statusPurpose")
    need(
        re.match(r"^\d+$", str(status.get("statusListIndex"))) and isinstance(status["statusListIndex"], str),
        "statusListIndex: an integer as a base-10 string",
    )
    need(is_url(status.get("statusListCredential")), "statusListCredential: a URL")
    need(status.get("id") != status.get("statusListCredential"), "credentialStatus.id is not the list's URL")
    # The JWT claims (OB 3.0 §8.2; VC-JOSE-COSE: no `vc` claim).
    need(credential.get("iss") == issuer.get("id"), "iss: issuer.id")
    need(credential.get("jti") == credential.get("id"), "jti: id")
    need(
        credential.get("nbf") == int(datetime.datetime.fromisoformat(valid_from).timestamp()) if valid_from else False,
        "nbf: validFrom",
    )
    need("vc" not in credential and "sub" not in credential, "no vc claim; no sub without a subject id")
    return problems


@pytest.fixture
def issued(spring, django_capture_on_commit_callbacks):
    """Léa Martin's CCP GRU and MDR, issued through the production path (numbered, rendered, signed, stored)."""
    with django_capture_on_commit_callbacks(execute=True):
        services.start_issuing(spring)
    return list(Certificate.objects.order_by("number"))


def verify_page(client, certificate):
    return client.get(reverse("certificates:verify", kwargs={"code": certificate.code})).content.decode()


def credential_url(certificate):
    return reverse("certificates:credential", kwargs={"code": certificate.code})


def status_list_token(client):
    response = client.get(reverse("certificates:status_list"))
    assert (response.status_code, response["Content-Type"]) == (200, "application/vc+jwt")
    return response.content.decode("ascii")


# --- The credential in the PDF ------------------------------------------------------------------------------


def test_the_pdf_embeds_the_credential_signed_with_the_organisation_certificate(issued, spring, settings):
    gru = issued[0]
    with gru.pdf.open("rb") as stored:
        files = attachments(stored.read())
    jwt_name, json_name = f"credential-{gru.number}.jwt", f"credential-{gru.number}.json"
    assert {name: (mime, relationship) for name, (_data, mime, relationship) in files.items()} == {
        jwt_name: ("application/vc+jwt", "/Alternative"),
        json_name: ("application/json", "/Supplement"),
    }
    token = files[jwt_name][0].decode("ascii")
    header = header_of(token)
    thumbprint = jwk.JWK.from_pyca(certificate_in(token).public_key()).thumbprint()  # RFC 7638, SHA-256
    assert {key: value for key, value in header.items() if key != "x5c"} == {
        "alg": "RS256",
        "typ": "vc+jwt",
        "kid": f"{SITE}/verifier/cles.jwks#{thumbprint}",
    }
    assert certificate_in(token).public_bytes(Encoding.DER) == organisation_certificate(settings).public_bytes(
        Encoding.DER
    )

    claims = verified_claims(token)
    assert json.loads(files[json_name][0]) == claims  # the readable copy says what the signed one says
    verify = f"{SITE}/verifier/{gru.code}/"
    midnight = datetime.datetime.fromisoformat(f"{spring.held_on.isoformat()}T00:00:00+01:00")
    assert (claims["id"], claims["jti"], claims["iss"], claims["nbf"]) == (
        verify,
        verify,
        f"{SITE}/",
        int(midnight.timestamp()),
    )
    assert claims["@context"] == OB3_CONTEXT
    assert claims["type"] == ["VerifiableCredential", "OpenBadgeCredential"]
    assert claims["validFrom"] == midnight.isoformat()
    assert claims["issuer"] == {
        "id": f"{SITE}/",
        "type": ["Profile"],
        "name": "Ucanss",
        "description": "Union des caisses nationales de sécurité sociale",
        "url": "https://www.ucanss.fr",
    }
    subject = claims["credentialSubject"]
    assert subject["name"] == "Léa MARTIN"
    assert subject["identifier"] == [
        {"type": "IdentityObject", "identityType": "name", "hashed": False, "identityHash": "Léa MARTIN"}
    ]
    achievement = subject["achievement"]
    assert (achievement["achievementType"], achievement["name"], achievement["humanCode"]) == (
        "MicroCredential",
        "Bloc de compétences GRU — Gestion de la relation usagers de la Sécurité sociale",
        "GRU",
    )
    assert (
        "du certificat de qualification professionnelle « Gestionnaire conseil de la Sécurité sociale » (CQP GC)"
        in (achievement["description"])
    )
    competences = gru.bloc.competences.order_by("order")
    assert achievement["criteria"]["narrative"].endswith(
        "Compétences du bloc :\n\n" + "\n".join(f"- {c.code} — {c.text}" for c in competences)
    )
    assert "alignment" not in achievement  # the bloc's RNCP code is not entered in the shipped referential
    assert claims["credentialStatus"] == {
        "id": f"{SITE}/statuts/revocation#{gru.pk}",
        "type": "BitstringStatusListEntry",
        "statusPurpose": "revocation",
        "statusListIndex": str(gru.pk),
        "statusListCredential": f"{SITE}/statuts/revocation",
    }
    assert ob3_problems(claims) == []


def test_a_credential_says_nothing_personal_but_the_name_printed(issued):
    gru = issued[0]
    candidate = gru.candidate
    payload = b64url_decode(embedded_token(gru).split(".")[1]).decode()
    personal = [
        candidate.birth_date.isoformat(),
        candidate.birth_date.strftime("%d/%m/%Y"),
        "née le",
        candidate.email,
        candidate.organisation.name,  # her employer (her job title is the CQP's name: not telling)
    ]
    assert [fact for fact in personal if fact and fact in payload] == []
    assert all(personal[:3]) and candidate.email and candidate.organisation.name
    assert payload.count("Léa MARTIN") == 2  # the subject's name, and its identifier


def test_a_tampered_credential_is_refused(issued):
    token = embedded_token(issued[0])
    header, payload, signature = token.split(".")
    forged = b64url_decode(payload).replace("Léa MARTIN".encode(), "Léo MARTIN".encode())
    tampered = ".".join([header, base64.urlsafe_b64encode(forged).rstrip(b"=").decode(), signature])
    with pytest.raises(jws.InvalidJWSSignature):
        verified_claims(tampered)
    one_character = f"{header}.{payload[:40]}{'B' if payload[40] != 'B' else 'C'}{payload[41:]}.{signature}"
    with pytest.raises(jws.InvalidJWSSignature):
        verified_claims(one_character)
    assert verified_claims(token)["credentialSubject"]["name"] == "Léa MARTIN"


def test_a_cqp_credential_lists_its_blocs_and_aligns_with_its_rncp_record(
    winter, spring, django_capture_on_commit_callbacks
):
    CertificationBloc.objects.filter(certification__code="GC", bloc__code="GDU").update(rncp_code="RNCP35729BC03")
    for deliberation in (spring, winter):
        with django_capture_on_commit_callbacks(execute=True):
            services.start_issuing(deliberation)
    cqp = Certificate.objects.get(kind="CQP")
    ccp_gdu = Certificate.objects.get(kind="CCP", bloc__code="GDU")

    achievement = verified_claims(embedded_token(cqp))["credentialSubject"]["achievement"]
    assert (achievement["achievementType"], achievement["name"]) == (
        "Certificate",
        "CQP GC — Gestionnaire conseil de la Sécurité sociale",
    )
    assert achievement["alignment"] == [
        {
            "type": ["Alignment"],
            "targetName": "RNCP35729 — Gestionnaire conseil de la Sécurité sociale",
            "targetCode": "RNCP35729",
            "targetFramework": "Répertoire national des certifications professionnelles (RNCP)",
            "targetUrl": "https://www.francecompetences.fr/recherche/rncp/35729/",
        }
    ]
    assert achievement["criteria"]["narrative"].endswith(
        "Blocs de compétences du CQP :\n\n"
        "- GRU — Gestion de la relation usagers de la Sécurité sociale\n"
        "- MDR — Contribution à la maîtrise des risques et à la qualité du service de la Sécurité sociale\n"
        "- GDU — Gestion des droits de l'utilisateur de la Sécurité sociale (RNCP35729BC03)"
    )
    assert "Pass et Prem'ss" in achievement["criteria"]["narrative"]

    gdu_achievement = verified_claims(embedded_token(ccp_gdu))["credentialSubject"]["achievement"]
    assert gdu_achievement["alignment"] == [
        {
            "type": ["Alignment"],
            "targetName": "RNCP35729BC03 — Gestion des droits de l'utilisateur de la Sécurité sociale",
            "targetCode": "RNCP35729BC03",
            "targetFramework": "Répertoire national des certifications professionnelles (RNCP)",
            "targetUrl": "https://www.francecompetences.fr/recherche/rncp/35729/",
        }
    ]
    for certificate in Certificate.objects.all():
        assert ob3_problems(verified_claims(embedded_token(certificate))) == [], certificate.number
    # The same achievement for every holder of it, another for each bloc or CQP.
    ids = {
        c.number: verified_claims(embedded_token(c))["credentialSubject"]["achievement"]["id"] for c in [cqp, ccp_gdu]
    }
    assert len(set(ids.values())) == 2 and all(re.match(r"^urn:uuid:[0-9a-f-]{36}$", i) for i in ids.values())


def test_a_batch_embeds_credentials_without_a_query_of_their_own(issued, django_assert_num_queries):
    """What a batch reads once for the certificates of a bloc (`parts`) is all the credential needs, with the
    certificate's CQP and its referential version read with it."""
    gru = Certificate.objects.select_related("certification__version", "bloc").get(pk=issued[0].pk)
    parts = services.certified_parts(gru)
    with django_assert_num_queries(0):
        embedded = credentials.pdf_attachments(gru, parts)
    assert [attachment.name for attachment in embedded] == [
        f"credential-{gru.number}.jwt",
        f"credential-{gru.number}.json",
    ]


def test_the_structural_check_catches_what_is_missing(issued):
    claims = verified_claims(embedded_token(issued[0]))
    broken = json.loads(json.dumps(claims))
    del broken["credentialSubject"]["identifier"], broken["credentialSubject"]["achievement"]["criteria"]
    broken["credentialStatus"]["statusListIndex"] = int(broken["credentialStatus"]["statusListIndex"])
    broken["@context"].reverse()
    assert ob3_problems(broken) == [
        "@context: VC 2.0 then OB 3.0.3, in that order",
        "credentialSubject: an id or an identifier",
        "achievement.criteria: an id or a narrative",
        "statusListIndex: an integer as a base-10 string",
    ]


# --- The public key ------------------------------------------------------------------------------------------


def test_the_kid_leads_to_the_public_key_that_verifies(client, issued, settings):
    token = embedded_token(issued[0])
    kid = header_of(token)["kid"]
    response = client.get(kid.removeprefix(SITE).split("#")[0])
    assert (response.status_code, response["Content-Type"]) == (200, "application/jwk-set+json")
    assert response["Cache-Control"] == "public, max-age=300"
    (published,) = json.loads(response.content)["keys"]
    assert published["kid"] == kid
    assert not {"d", "p", "q", "dp", "dq", "qi"} & set(published)  # no private member
    assert (published["kty"], published["alg"], published["use"]) == ("RSA", "RS256", "sig")
    assert published["x5c"] == header_of(token)["x5c"]
    key = jwk.JWK(**{name: published[name] for name in ("kty", "n", "e")})
    assert kid.endswith(f"#{key.thumbprint()}")
    assert verified_claims(token, key)["id"] == f"{SITE}/verifier/{issued[0].code}/"
    assert jwk.JWK.from_pyca(organisation_certificate(settings).public_key()).thumbprint() == key.thumbprint()


# --- Downloads -----------------------------------------------------------------------------------------------


def test_the_verification_page_hands_out_the_credential_in_the_pdf(client, issued):
    gru = issued[0]
    assert f'href="{credential_url(gru)}"' in verify_page(client, gru)
    response = client.get(credential_url(gru))
    assert (response.status_code, response["Content-Type"], response["Content-Disposition"]) == (
        200,
        "application/vc+jwt",
        f'attachment; filename="credential-{gru.number}.jwt"',
    )
    assert response.content.decode("ascii") == embedded_token(gru)
    for code in ("A" * 22, "inconnu", "A" * 21 + "\0"):
        assert client.get(reverse("certificates:credential", kwargs={"code": code})).status_code == 404


def test_a_revoked_certificate_keeps_its_page_but_not_its_credential(client, issued):
    gru = issued[0]
    services.revoke(gru, user("gestionnaire"), REASON)
    page = verify_page(client, gru)
    assert "Certificat révoqué" in page and credential_url(gru) not in page
    assert client.get(credential_url(gru)).status_code == 404


@pytest.mark.parametrize(
    ("account", "expected"),
    [
        (None, 302),
        ("lea.martin", 200),
        ("hugo.lambert", 404),
        ("emma.garnier", 404),
        ("marc.petit", 404),
        ("president", 404),
        ("jpn", 404),
        ("gestionnaire", 404),
    ],
)
def test_the_holder_downloads_her_credential_from_her_space_and_no_one_else(client, issued, account, expected):
    gru = issued[0]
    if account:
        client.login(username=account, password=PASSWORD)
    response = client.get(reverse("spaces:candidate_credential", kwargs={"pk": gru.pk}))
    assert response.status_code == expected
    if expected == 200:
        assert response["Content-Type"] == "application/vc+jwt"
        assert response.content.decode("ascii") == embedded_token(gru)
        home = client.get(reverse("spaces:candidate_home")).content.decode()
        assert home.count("Télécharger l'attestation numérique (Open Badges 3.0)") == 2
        assert f'href="{reverse("spaces:candidate_credential", kwargs={"pk": gru.pk})}"' in home
        services.revoke(gru, user("gestionnaire"), REASON)
        assert client.get(reverse("spaces:candidate_credential", kwargs={"pk": gru.pk})).status_code == 404


def test_a_pdf_issued_before_the_credential_gets_one_signed_from_its_facts(
    client, spring, django_capture_on_commit_callbacks, monkeypatch
):
    monkeypatch.setattr(credentials, "pdf_attachments", lambda certificate, parts=None: [])
    with django_capture_on_commit_callbacks(execute=True):
        services.start_issuing(spring)
    gru = Certificate.objects.order_by("number").first()
    with gru.pdf.open("rb") as stored:
        assert attachments(stored.read()) == {}
    claims = verified_claims(client.get(credential_url(gru)).content.decode("ascii"))
    assert (claims["id"], claims["credentialSubject"]["name"]) == (f"{SITE}/verifier/{gru.code}/", "Léa MARTIN")


# --- The status list -----------------------------------------------------------------------------------------


def test_a_revocation_sets_the_certificate_bit_in_the_published_list(client, issued):
    gru, mdr = issued
    before = status_list_token(client)
    assert bit(status_bits(before), gru.pk) == 0

    services.revoke(gru, user("gestionnaire"), REASON)
    token = status_list_token(client)
    bits = status_bits(token)
    assert len(bits) * 8 == 131_072  # 16 KB uncompressed, the minimum
    assert (bit(bits, gru.pk), bit(bits, mdr.pk)) == (1, 0)
    assert sum(bin(byte).count("1") for byte in bits) == 1
    claims = verified_claims(token)
    assert claims["type"] == ["VerifiableCredential", "BitstringStatusListCredential"]
    assert (claims["id"], claims["jti"], claims["iss"], claims["issuer"]) == (
        f"{SITE}/statuts/revocation",
        f"{SITE}/statuts/revocation",
        f"{SITE}/",
        f"{SITE}/",
    )
    assert {key: value for key, value in claims["credentialSubject"].items() if key != "encodedList"} == {
        "id": f"{SITE}/statuts/revocation#liste",
        "type": "BitstringStatusList",
        "statusPurpose": "revocation",
        "ttl": 300_000,
    }
    assert certificate_in(token).public_bytes(Encoding.DER) == certificate_in(embedded_token(mdr)).public_bytes(
        Encoding.DER
    )


def test_a_replaced_certificate_is_set_too_its_replacement_is_not(client, issued, django_capture_on_commit_callbacks):
    old = issued[0]
    lea = old.candidate
    lea.last_name = "Martin-Durand"
    lea.save(update_fields=["last_name"])
    with django_capture_on_commit_callbacks(execute=True):
        new = services.reissue_certificate(old, "Nom d'usage corrigé.", acting_user=user("gestionnaire"))
    bits = status_bits(status_list_token(client))
    assert (bit(bits, old.pk), bit(bits, new.pk)) == (1, 0)
    new.refresh_from_db()
    assert verified_claims(embedded_token(new))["credentialSubject"]["name"] == "Léa MARTIN-DURAND"
    assert client.get(credential_url(old)).status_code == 404


def test_the_list_is_cached_by_everyone_and_signed_again_only_when_it_changes(
    client, issued, django_assert_num_queries
):
    response = client.get(reverse("certificates:status_list"))
    assert response["Cache-Control"] == "public, max-age=300"
    again = client.get(reverse("certificates:status_list"), HTTP_IF_NONE_MATCH=response["ETag"])
    assert (again.status_code, again.content) == (304, b"")
    with django_assert_num_queries(3):  # the bits set, the highest id, the cache: nothing signed again
        token, digest = status_list.current()
    assert (token.encode(), f'"{digest}"') == (response.content, response["ETag"])
    services.revoke(issued[0], user("gestionnaire"), REASON)
    changed = client.get(reverse("certificates:status_list"), HTTP_IF_NONE_MATCH=response["ETag"])
    assert changed.status_code == 200 and changed["ETag"] != response["ETag"]


def test_the_list_grows_to_cover_every_certificate():
    assert [status_list.list_length(index) for index in (0, 1, 131_071, 131_072, 300_000)] == [
        131_072,
        131_072,
        131_072,
        262_144,
        393_216,
    ]
    encoded = status_list.encoded_list([0, 9, 131_071], 131_072)
    bits = gzip.decompress(b64url_decode(encoded.removeprefix("u")))
    assert (bits[0], bits[1], bits[-1], len(bits)) == (0b1000_0000, 0b0100_0000, 0b0000_0001, 16_384)
    assert "=" not in encoded and encoded.startswith("u")


def test_x5c_carries_the_chain_from_the_signing_certificate_to_its_authority(settings, tmp_path):
    """A production PKCS#12 file holds the organisation's certificate and the authority that issued it: `x5c`
    gives both, leaf first (RFC 7515 §4.1.6), so that a verifier checks the key up to an authority it trusts."""
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import rsa
    from cryptography.x509.oid import NameOID

    def name(common):
        return x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, common)])

    now = datetime.datetime.now(datetime.UTC)

    def certificate(subject, issuer, public_key, signing_key, ca):
        return (
            x509.CertificateBuilder()
            .subject_name(name(subject))
            .issuer_name(name(issuer))
            .public_key(public_key)
            .serial_number(x509.random_serial_number())
            .not_valid_before(now - datetime.timedelta(days=1))
            .not_valid_after(now + datetime.timedelta(days=30))
            .add_extension(x509.BasicConstraints(ca=ca, path_length=None), critical=True)
            .sign(signing_key, hashes.SHA256())
        )

    authority_key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    authority = certificate("Autorité de test", "Autorité de test", authority_key.public_key(), authority_key, True)
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    leaf = certificate("Ucanss — cachet de test", "Autorité de test", key.public_key(), authority_key, False)
    settings.CERTIFICATE_P12_PATH = tmp_path / "chain.p12"
    settings.CERTIFICATE_P12_PATH.write_bytes(
        pkcs12.serialize_key_and_certificates(
            b"ucanss", key, leaf, [authority], serialization.BestAvailableEncryption(b"test-suite-passphrase")
        )
    )
    settings.CERTIFICATE_P12_PASSPHRASE = "test-suite-passphrase"

    token = credentials.sign_jwt({"iss": f"{SITE}/", "jti": f"{SITE}/verifier/test/"})
    chain = [x509.load_der_x509_certificate(base64.b64decode(der)) for der in header_of(token)["x5c"]]
    assert [c.public_bytes(Encoding.DER) for c in chain] == [c.public_bytes(Encoding.DER) for c in (leaf, authority)]
    chain[0].verify_directly_issued_by(chain[1])
    assert verified_claims(token) == {"iss": f"{SITE}/", "jti": f"{SITE}/verifier/test/"}
