"""Revocation published as a W3C Bitstring Status List v1.0 (issue 18): one list, purpose `revocation`.

The list is a `BitstringStatusListCredential`, signed like the certificates' credentials (VC-JOSE, RS256, the
organisation's certificate in `x5c`: `credentials.sign_jwt`), at a stable URL (`certificates:status_list`). Its
`encodedList` is the bitstring, GZIP-compressed, base64url-encoded without padding, with the Multibase prefix
« u » the Recommendation asks; bit 0 is the left-most bit of the first byte (§2.2, §7.1).

- Index: a certificate's index is its id, never reused (certificates are never deleted). The Recommendation
  says indexes SHOULD be assigned randomly, so that a position tells nothing of when a credential was issued;
  here the certificate's public number already says its year and rank, so the id tells a verifier nothing
  more, and a random index would need a column (and a migration) of its own.
- Size: at least 16 KB uncompressed (131,072 bits), the minimum the Recommendation sets so that a verifier
  fetching the list reveals nothing of which credential it checks (herd privacy); it grows by 131,072 bits at a
  time so that every certificate ever numbered has its bit.
- Which bits are set: revoked certificates, and replaced ones (re-issued in a corrected name). Both are no
  longer valid, for good: the verification page says so of both, and only the new certificate « fait foi ». The
  purpose `revocation` is « used to cancel the validity of a verifiable credential. This status is not
  reversible », which a replacement is too; left unset, the old name's credential would verify as valid
  forever. Its verification page (the credential's `id`) says which, and leads to the replacement.
- Cache: the list is public and the same for everyone. It is signed again only when the set of bits or the
  signing key changes (cache key: their digest, also the response's ETag), so a revocation shows at the next
  request; browsers, proxies and verifiers may keep it `TTL_SECONDS`, which `ttl` says too, as the
  Recommendation asks the HTTP caching to agree with it.
"""

import gzip
import hashlib

from django.core.cache import caches
from django.db.models import Max, Q
from django.utils import timezone

from . import credentials
from .models import Certificate

MINIMUM_BITS = 131_072  # 16 KB
TTL_SECONDS = 300
CACHE_SECONDS = 24 * 3600  # an unchanged list is served from the cache; a changed one has a new key


def invalid_indexes() -> list[int]:
    """The ids of the certificates no longer valid: revoked or replaced."""
    invalid = Certificate.objects.filter(Q(revoked_at__isnull=False) | Q(replaced_at__isnull=False))
    return sorted(invalid.values_list("pk", flat=True))


def list_length(highest_index: int) -> int:
    """Bits in the list: a multiple of the minimum, with room for `highest_index`."""
    return (max(highest_index, 0) // MINIMUM_BITS + 1) * MINIMUM_BITS


def bitstring(indexes, length: int) -> bytes:
    bits = bytearray(length // 8)
    for index in indexes:
        bits[index // 8] |= 0x80 >> (index % 8)
    return bytes(bits)


def encoded_list(indexes, length: int) -> str:
    """GZIP (no timestamp: the same bits give the same bytes), base64url without padding, Multibase « u »."""
    return "u" + credentials.b64url(gzip.compress(bitstring(indexes, length), mtime=0))


def status_list_credential(indexes, length: int, now) -> dict:
    url = credentials.status_list_url()
    issued = now.replace(microsecond=0)
    return {
        "@context": ["https://www.w3.org/ns/credentials/v2"],
        "id": url,
        "type": ["VerifiableCredential", "BitstringStatusListCredential"],
        "issuer": credentials.issuer_id(),
        "validFrom": issued.isoformat(),
        "credentialSubject": {
            "id": f"{url}#liste",
            "type": "BitstringStatusList",
            "statusPurpose": "revocation",
            "encodedList": encoded_list(indexes, length),
            "ttl": TTL_SECONDS * 1000,
        },
        "iss": credentials.issuer_id(),
        "jti": url,
        "nbf": int(issued.timestamp()),
    }


def current():
    """The signed status list as of now, and its digest (the ETag): signed again only when a bit, the list's
    length or the signing key has changed."""
    indexes = invalid_indexes()
    highest = Certificate.objects.aggregate(highest=Max("pk"))["highest"] or 0
    length = list_length(highest)
    state = f"{credentials.key_thumbprint()}:{length}:{','.join(map(str, indexes))}"
    digest = hashlib.sha256(state.encode()).hexdigest()[:32]
    cache = caches["default"]
    key = f"certificates:status-list:{digest}"
    token = cache.get(key)
    if token is None:
        token = credentials.sign_jwt(status_list_credential(indexes, length, timezone.now()))
        cache.set(key, token, CACHE_SECONDS)
    return token, digest
