"""The machine-readable credential of each certificate (issue 18): an Open Badges 3.0 `OpenBadgeCredential`.

What it says. The certificate's public facts and nothing more: the name printed on it (`holder_name`, as an
`IdentityObject` of type « name », in clear: the same name the PDF and the public verification page show, so
hashing it would hide nothing), the CCP's bloc or the CQP, its RNCP record, the date of issue (the national
jury's deliberation, `validFrom`), the issuer (the Ucanss) and where its revocation is published. No birth date,
no address, no account: the subject has no `id` (there is no identifier of the holder a verifier could resolve),
so OB 3.0 asks for an `identifier` and the JWT carries no `sub` claim. Its `id` is the certificate's verification
URL, the one its QR code carries. The texts are French (`inLanguage`), whatever the language of the request:
they are signed once, at issue.

- `achievementType`: a CQP is a `Certificate` (« Credential that designates requisite knowledge and skills of
  an occupation, profession… », CTDL's term, which OB 3.0 takes over); `Certification` is not, being
  « time-limited, revocable, renewable », which a CQP is not. A CCP certifies one bloc de compétences of a CQP:
  OB 3.0's `MicroCredential` says exactly that (« a subset of field-specific knowledge, skills, or competencies;
  often developmental with relationships to other micro-credentials and field credentials »).
- What it lists, as the PDF does: the bloc's competences (CCP) or the CQP's blocs, in the criteria's narrative
  (Markdown, which OB 3.0 allows there), with the rule the national jury applied. Not as `resultDescription`s:
  those describe results the credential then asserts (`AchievementSubject.result`), and a bloc is validated
  with 80 % of its competences, so asserting each competence would say more than the decision did.
- `alignment`: the RNCP record (France compétences) of the CQP; for a CCP, the bloc's code in its CQP's record
  once an administrator has entered it (RNCP35729BC01; `CertifiedParts.rncp_code`, as the PDF prints it).
- `credentialStatus`: a `BitstringStatusListEntry` (W3C Bitstring Status List v1.0), purpose `revocation`,
  index the certificate's id, in the list `status_list.py` publishes.

How it is signed: VC-JOSE, a compact JWS (`typ: vc+jwt`, media type `application/vc+jwt`) as the W3C
Recommendation « Securing Verifiable Credentials using JOSE and COSE » defines it for the VC Data Model 2.0: the
credential is the JWT's payload, no `vc` claim. OB 3.0's own « JSON Web Token Proof Format » (§8.2) is the same
format: it says it is described in detail in VC-JOSE-COSE and limits its options, which this follows: RS256,
and the registered claims `iss` (issuer.id), `jti` (id) and `nbf` (validFrom) beside the credential's members.
Its header table, written before VC-JOSE-COSE was final, has `typ` « JWT » and no other header; here `typ` is
VC-JOSE-COSE's `vc+jwt`, which tells a JOSE library that the JWT is a verifiable credential, and the header adds
`x5c`, the organisation's certificate chain (RFC 7515 §4.1.6), so that a verifier checks the key against the
organisation's certificate, the same that signs the PDFs (PAdES), without fetching anything. `kid` is, as OB 3.0
asks, a URL that dereferences to the public key as a JWK (with its `x5c`): the key set `certificates:signing_keys`,
the key's thumbprint as fragment.
Why JOSE: the organisation's key is the RSA key of its existing certificate, which JOSE uses as it is; it is
the proof format OB 3.0 certifies and that standard verifiers accept; and it signs bytes, with no JSON-LD
canonicalisation to get wrong (a Data Integrity proof would need one, and an EdDSA key the organisation does
not have). The signature is made here with `cryptography` (RSASSA-PKCS1-v1_5 with SHA-256); tests verify it with
an independent library (jwcrypto).

Where it goes: embedded in the certificate's PDF/A-3 (`credential-<number>.jwt`, AFRelationship Alternative: the
same certificate, machine-readable; and its payload as readable JSON, Supplement, which is not signed), and
downloadable from the verification page and the holder's space, read back from the signed PDF: what is handed
out is what was signed at issue (`issued_credential`).
"""

import base64
import datetime
import hashlib
import json
import re
import uuid
from functools import cache

from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import rsa
from cryptography.hazmat.primitives.asymmetric.padding import PKCS1v15
from django.conf import settings
from django.core.cache import caches
from django.core.exceptions import ImproperlyConfigured
from django.urls import reverse
from django.utils import timezone

from . import signing
from .models import CertificateKind
from .selectors import parts_for

CONTEXT = ["https://www.w3.org/ns/credentials/v2", "https://purl.imsglobal.org/spec/ob/v3p0/context-3.0.3.json"]
SCHEMA = "https://purl.imsglobal.org/spec/ob/v3p0/schema/json/ob_v3p0_achievementcredential_schema.json"
MEDIA_TYPE = "application/vc+jwt"
ALGORITHM = "RS256"
ISSUER_NAME = "Ucanss"
ISSUER_DESCRIPTION = "Union des caisses nationales de sécurité sociale"
ISSUER_URL = "https://www.ucanss.fr"
RNCP_URL = "https://www.francecompetences.fr/recherche/rncp/{number}/"
RNCP_FRAMEWORK = "Répertoire national des certifications professionnelles (RNCP)"
# The achievement (a bloc of a CQP, or a CQP, in a version of the referential) is the same for every holder:
# its id is a name-based UUID, stable whatever the site's address.
ACHIEVEMENT_NAMESPACE = uuid.uuid5(uuid.NAMESPACE_URL, ISSUER_URL + "/cqp/")

CCP_CRITERIA = (
    "Délivré sur décision du jury paritaire national. « Le bloc de compétences est validé si au minimum 80% "
    "des compétences qui le constituent sont acquises » (livret 003, principe de certification d'un bloc de "
    "compétences)."
)
CQP_CRITERIA = (
    "Délivré sur décision du jury paritaire national : « Tous les blocs de compétences qui le constituent sont "
    "validés [...] Le candidat a suivi et validé les formations Pass et Prem'ss » (livret 003, principe "
    "d'attribution du CQP). Un bloc acquis l'est pour chaque CQP qui le contient."
)


def b64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def compact_json(value) -> bytes:
    return json.dumps(value, ensure_ascii=False, separators=(",", ":")).encode()


# --- The issuer and its key ------------------------------------------------------------------------------


def issuer_id():
    """The issuer's URI, the JWT's `iss`: the address of the certification site, where its certificates are
    verified."""
    return settings.SITE_URL + "/"


def issuer_profile():
    return {
        "id": issuer_id(),
        "type": ["Profile"],
        "name": ISSUER_NAME,
        "description": ISSUER_DESCRIPTION,
        "url": ISSUER_URL,
    }


def _rsa_key(signer):
    key = signer.private_key
    if not isinstance(key, rsa.RSAPrivateKey):
        raise ImproperlyConfigured(
            "Le certificat de signature doit avoir une clé RSA : l'attestation numérique est signée en RS256."
        )
    return key


def _certificate_chain(signer):
    """The signing certificate, then each certificate of the PKCS#12 file that issued the previous one."""
    chain = [signer.signing_cert]
    while chain[-1].issuer != chain[-1].subject and len(chain) < 10:
        known = {cert.dump() for cert in chain}
        issuers = [c for c in signer.cert_registry.retrieve_by_name(chain[-1].issuer) if c.dump() not in known]
        if not issuers:
            break
        chain.append(issuers[0])
    return chain


@cache
def _public_key_facts(signer):
    """The JWK members, the RFC 7638 thumbprint and `x5c` of a signer's key and certificate (once per signer)."""
    numbers = _rsa_key(signer).public_key().public_numbers()
    members = {
        "e": b64url(numbers.e.to_bytes((numbers.e.bit_length() + 7) // 8, "big")),
        "kty": "RSA",
        "n": b64url(numbers.n.to_bytes((numbers.n.bit_length() + 7) // 8, "big")),
    }
    thumbprint = b64url(hashlib.sha256(compact_json(members)).digest())  # members in lexicographic order
    x5c = [base64.b64encode(cert.dump()).decode("ascii") for cert in _certificate_chain(signer)]
    return members, thumbprint, x5c


def signing_key_facts():
    return _public_key_facts(signing.signer())


def key_thumbprint():
    return signing_key_facts()[1]


def key_id():
    """`kid`: a URI that dereferences to the public key as a JWK, as OB 3.0 asks (§8.2.2): the URL of the set
    of the organisation's keys (`certificates:signing_keys`), the key's RFC 7638 thumbprint as fragment."""
    return f"{settings.SITE_URL}{reverse('certificates:signing_keys')}#{key_thumbprint()}"


def public_jwk():
    """The public key of the signing certificate, as a JWK with its certificate chain: never a private member."""
    members, _thumbprint, x5c = signing_key_facts()
    return {**members, "alg": ALGORITHM, "use": "sig", "kid": key_id(), "x5c": x5c}


def sign_jwt(claims: dict) -> str:
    """The claims as a compact JWS (RFC 7515), RS256, signed with the organisation's key."""
    _members, _thumbprint, x5c = signing_key_facts()
    header = {"alg": ALGORITHM, "typ": "vc+jwt", "kid": key_id(), "x5c": x5c}
    signing_input = f"{b64url(compact_json(header))}.{b64url(compact_json(claims))}".encode("ascii")
    signature = _rsa_key(signing.signer()).sign(signing_input, PKCS1v15(), hashes.SHA256())
    return f"{signing_input.decode('ascii')}.{b64url(signature)}"


# --- The credential --------------------------------------------------------------------------------------


def status_list_url():
    return settings.SITE_URL + reverse("certificates:status_list")


def valid_from(certificate) -> datetime.datetime:
    """The certificate's date of issue (the deliberation's), at midnight in France, where it is dated."""
    midnight = datetime.datetime.combine(certificate.issued_on, datetime.time())
    return timezone.make_aware(midnight, timezone.get_default_timezone())


def rncp_number(value):
    """« 35729 » from « 35729 » or « RNCP35729 »."""
    return re.sub(r"^RNCP", "", value.strip().upper())


def rncp_alignment(name, code, number):
    return {
        "type": ["Alignment"],
        "targetName": name,
        "targetCode": code,
        "targetFramework": RNCP_FRAMEWORK,
        "targetUrl": RNCP_URL.format(number=number),
    }


def _services():
    from . import services  # which imports this module to embed the credential

    return services


def _bloc_line(bloc, parts):
    code = parts.rncp_code(bloc)
    return f"- {bloc.code} — {bloc.title}" + (f" ({code})" if code else "")


def achievement(certificate, parts):
    """The bloc (CCP) or the CQP, as every holder of it holds it."""
    certification = certificate.certification
    version = certification.version.label
    number = rncp_number(certification.rncp_number)
    registered = f"enregistré au RNCP sous le n° {number}, niveau {certification.level}"
    if certificate.kind == CertificateKind.CCP:
        bloc = certificate.bloc
        name = f"Bloc de compétences {bloc.code} — {bloc.title}"
        path = f"{version}/{certification.code}/{bloc.code}"
        description = (
            f"Certificat de compétences professionnelles (CCP) du bloc de compétences {bloc.code} « {bloc.title} » "
            f"du certificat de qualification professionnelle « {certification.title} » (CQP {certification.code}), "
            f"{registered}."
        )
        listed = "Compétences du bloc :\n\n" + "\n".join(f"- {part.code} — {part.text}" for part in parts)
        narrative = f"{CCP_CRITERIA}\n\n{listed}"
        code = parts.rncp_code(bloc)  # the bloc's code in this CQP's RNCP record
        alignment = [rncp_alignment(f"{code} — {bloc.title}", code, number)] if code else []
        achievement_type, human_code = "MicroCredential", bloc.code
    else:
        name = f"CQP {certification.code} — {certification.title}"
        path = f"{version}/{certification.code}"
        description = f"Certificat de qualification professionnelle (CQP) « {certification.title} », {registered}."
        listed = "Blocs de compétences du CQP :\n\n" + "\n".join(_bloc_line(part, parts) for part in parts)
        narrative = f"{CQP_CRITERIA}\n\n{listed}"
        alignment = [rncp_alignment(f"RNCP{number} — {certification.title}", f"RNCP{number}", number)]
        achievement_type, human_code = "Certificate", certification.code
    facts = {
        "id": f"urn:uuid:{uuid.uuid5(ACHIEVEMENT_NAMESPACE, path)}",
        "type": ["Achievement"],
        "achievementType": achievement_type,
        "name": name,
        "description": description,
        "criteria": {"narrative": narrative},
        "humanCode": human_code,
        "inLanguage": "fr",
        "version": version,
    }
    if alignment:
        facts["alignment"] = alignment
    return facts


def status_entry(certificate):
    """Where the certificate's revocation is published: bit `pk` of the status list."""
    if certificate.pk is None:
        raise ValueError("A certificate is numbered and saved before its credential is made: its id is its index.")
    index = str(certificate.pk)
    return {
        "id": f"{status_list_url()}#{index}",
        "type": "BitstringStatusListEntry",
        "statusPurpose": "revocation",
        "statusListIndex": index,
        "statusListCredential": status_list_url(),
    }


def credential(certificate, parts=None) -> dict:
    """The certificate as an OpenBadgeCredential, with the JWT claims OB 3.0 asks beside it: the JWT's payload."""
    services = _services()
    parts = parts_for(certificate, parts)
    start = valid_from(certificate)
    return {
        "@context": CONTEXT,
        "id": services.verify_url(certificate),
        "type": ["VerifiableCredential", "OpenBadgeCredential"],
        "name": f"{certificate.title} (n° {certificate.number})",
        "issuer": issuer_profile(),
        "validFrom": start.isoformat(),
        "credentialSubject": {
            "type": ["AchievementSubject"],
            "name": certificate.holder_name,
            "identifier": [
                {
                    "type": "IdentityObject",
                    "identityType": "name",
                    "hashed": False,
                    "identityHash": certificate.holder_name,
                }
            ],
            "achievement": achievement(certificate, parts),
        },
        "credentialSchema": [{"id": SCHEMA, "type": "1EdTechJsonSchemaValidator2019"}],
        "credentialStatus": status_entry(certificate),
        "iss": issuer_id(),
        "jti": services.verify_url(certificate),
        "nbf": int(start.timestamp()),
    }


def credential_jwt(certificate, parts=None) -> str:
    return sign_jwt(credential(certificate, parts))


def jwt_name(certificate):
    return f"credential-{certificate.number}.jwt"


def pdf_attachments(certificate, parts=None) -> list:
    """The files embedded in the certificate's PDF/A-3: the signed credential, and its payload as readable JSON."""
    from weasyprint import Attachment

    from cqp_site.pdf import project_fetcher

    claims = credential(certificate, parts)
    token = sign_jwt(claims)
    readable = json.dumps(claims, ensure_ascii=False, indent=2).encode()

    def data_url(content_type, data):
        return f"data:{content_type};base64,{base64.b64encode(data).decode('ascii')}"

    return [
        Attachment(
            url=data_url(MEDIA_TYPE, token.encode("ascii")),
            url_fetcher=project_fetcher(),
            name=jwt_name(certificate),
            description="Attestation numérique Open Badges 3.0, signée par l'Ucanss (VC-JWT)",
            relationship="Alternative",
        ),
        Attachment(
            url=data_url("application/json", readable),
            url_fetcher=project_fetcher(),
            name=f"credential-{certificate.number}.json",
            description="Contenu de l'attestation numérique, lisible ; seule la version signée (.jwt) fait foi",
            relationship="Supplement",
        ),
    ]


# --- Handing it out --------------------------------------------------------------------------------------


def attached_files(pdf) -> dict:
    """The files embedded in a PDF (a binary file object), by name: its name tree of embedded files, read with
    pyHanko (the reader the signatures use)."""
    from pyhanko.pdf_utils.reader import PdfFileReader

    reader = PdfFileReader(pdf, strict=False)
    found = {}

    def walk(node, depth=0):
        node = node.get_object()
        names = node.get("/Names")
        if names is not None:
            names = names.get_object()
            for position in range(0, len(names) - 1, 2):
                spec = names[position + 1].get_object()
                embedded = spec.get("/EF", {}).get("/F")
                if embedded is not None:
                    found[str(names[position])] = embedded.get_object().data
        for kid in node.get("/Kids", []) if depth < 10 else []:
            walk(kid, depth + 1)

    catalog_names = reader.root.get("/Names")
    if catalog_names is not None and "/EmbeddedFiles" in catalog_names.get_object():
        walk(catalog_names.get_object()["/EmbeddedFiles"])
    return found


def issued_credential(certificate) -> str:
    """The signed credential embedded in the certificate's PDF when it was issued, read back from the PDF (kept
    in the cache under the PDF's digest: the file never changes). A PDF produced before issue 18 holds none: the
    credential is then signed now, from the certificate's frozen facts."""
    cache = caches["default"]
    key = f"certificates:credential:{certificate.sha256}"
    token = cache.get(key)
    if token is None:
        with certificate.pdf.open("rb") as pdf:
            attached = attached_files(pdf).get(jwt_name(certificate))
        token = attached.decode("ascii") if attached else credential_jwt(certificate)
        cache.set(key, token, 24 * 3600)
    return token
