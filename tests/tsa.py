"""A test PKI served on 127.0.0.1: a root CA, the issuing organisation's signing certificate and an
RFC 3161 time-stamping authority (TSA), with the root's CRLs and an OCSP responder, as certomancer
describes them and its Animator (a WSGI application) serves them, run by Werkzeug in a thread on a
free port. Everything a long-term signature needs is real: the timestamps come over HTTP, the
signing certificate carries the addresses of its CRL and OCSP responder, which pyHanko fetches.

    with TestPki(directory) as pki:
        settings.TSA_URL = pki.tsa_url
        settings.CERTIFICATE_P12_PATH, settings.CERTIFICATE_P12_PASSPHRASE = pki.p12_path, pki.passphrase

`pki.crl(at=day)` is the root's CRL of another day, `pki.at_time = day` makes the services answer as
on that day. Importing this module makes certomancer keep its private keys parsed (KeptKeysBackend).
`python -m tests.tsa [directory]` serves one until interrupted (for `manage.py bench_certificates`),
printing the environment to use.
"""

import datetime
import functools
import threading
from pathlib import Path

from asn1crypto import pem, x509
from certomancer import crypto_utils
from certomancer.integrations.animator import Animator, AnimatorArchStore
from certomancer.registry import ArchLabel, CertLabel, CertomancerConfig, ServiceLabel
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import padding, rsa
from werkzeug.serving import WSGIRequestHandler, make_server

ARCH = "ucanss-test"
PASSPHRASE = "test-pki-passphrase"
KEYS = ["root", "signer", "tsa", "ocsp"]


@functools.cache
def _parsed_key(der):
    return serialization.load_der_private_key(der, password=None)


class KeptKeysBackend(crypto_utils.PycaCryptographyBackend):
    """certomancer parses the private key at each signature (60 ms for RSA-2048, its consistency
    checks): the services here keep each key parsed, as a real TSA or OCSP responder does."""

    def generic_sign(self, private_key, tbs_bytes, sd_algo):
        if sd_algo.signature_algo != "rsassa_pkcs1v15":
            return super().generic_sign(private_key, tbs_bytes, sd_algo)
        hash_algorithm = getattr(hashes, sd_algo.hash_algo.upper())()
        return _parsed_key(private_key.dump()).sign(tbs_bytes, padding.PKCS1v15(), hash_algorithm)


crypto_utils.CRYPTO_BACKEND = KeptKeysBackend()


class QuietHandler(WSGIRequestHandler):
    def log_request(self, *args, **kwargs):
        pass


def _key_file(path):
    """An RSA key, made once per directory (2048 bits take a while)."""
    if not path.exists():
        key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
        path.write_bytes(
            key.private_bytes(
                serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
            )
        )
    return path.name


def _when(moment):
    return moment.strftime("%Y-%m-%dT%H:%M:%S+0000")


def _validity(since, now, days):
    return {"valid-from": since, "valid-to": _when(now + datetime.timedelta(days=days))}


def _key_usage(*usages):
    return {"id": "key_usage", "critical": True, "smart-value": {"schema": "key-usage", "params": list(usages)}}


CRL = {
    "id": "crl_distribution_points",
    "smart-value": {"schema": "crl-dist-url", "params": {"crl-repo-names": ["root"]}},
}
OCSP = {
    "id": "authority_information_access",
    "smart-value": {"schema": "aia-urls", "params": {"ocsp-responder-names": ["root"]}},
}


def pki_config(url, *, now, signer_days, tsa_days):
    """certomancer's configuration: the root lasts 50 years, the signing certificate `signer_days`,
    the TSA's `tsa_days`; each revocable certificate names the root's CRL, the signer also its OCSP responder."""
    since = _when(now - datetime.timedelta(days=1))
    return {
        "external-url-prefix": url,
        "keysets": {ARCH: {"path-prefix": "", "keys": {name: {"path": f"{name}.key.pem"} for name in KEYS}}},
        "pki-architectures": {
            ARCH: {
                "keyset": ARCH,
                "entity-defaults": {"country-name": "FR", "organization-name": "Ucanss (tests)"},
                "entities": {
                    "root": {"common-name": "Autorité racine de test"},
                    "signer": {"common-name": "Ucanss — certificats CQP (test)"},
                    "tsa": {"common-name": "Horodatage de test"},
                    "ocsp": {"common-name": "Répondeur OCSP de test"},
                },
                "certs": {
                    "root": {
                        "subject": "root",
                        "issuer": "root",
                        "validity": _validity(since, now, 50 * 365),
                        "extensions": [
                            {"id": "basic_constraints", "critical": True, "value": {"ca": True}},
                            _key_usage("digital_signature", "key_cert_sign", "crl_sign"),
                        ],
                    },
                    "signer": {
                        "issuer": "root",
                        "validity": _validity(since, now, signer_days),
                        "extensions": [_key_usage("digital_signature", "non_repudiation"), CRL, OCSP],
                    },
                    "tsa": {
                        "issuer": "root",
                        "validity": _validity(since, now, tsa_days),
                        "extensions": [
                            _key_usage("digital_signature"),
                            {"id": "extended_key_usage", "critical": True, "value": ["time_stamping"]},
                            CRL,
                        ],
                    },
                    "ocsp": {
                        "issuer": "root",
                        "validity": _validity(since, now, tsa_days),
                        "extensions": [
                            _key_usage("digital_signature"),
                            {"id": "extended_key_usage", "critical": True, "value": ["ocsp_signing"]},
                            {"id": "ocsp_no_check"},
                        ],
                    },
                },
                "services": {
                    "ocsp": {"root": {"for-issuer": "root", "responder-cert": "ocsp", "signing-key": "ocsp"}},
                    "crl-repo": {
                        "root": {"for-issuer": "root", "signing-key": "root", "simulated-update-schedule": "P7D"}
                    },
                    "time-stamping": {"tsa": {"signing-key": "tsa", "signing-cert": "tsa"}},
                },
            }
        },
    }


class TestPki:
    """The PKI and its services on a free port of 127.0.0.1. `at_time` makes the services answer as
    on another day (CRLs, OCSP responses and timestamps of then), as a verifier years later would fetch."""

    __test__ = False  # not a test class, whatever its name

    def __init__(self, directory, *, signer_days=30, tsa_days=10 * 365):
        self.directory = Path(directory)
        self.directory.mkdir(parents=True, exist_ok=True)
        for name in KEYS:
            _key_file(self.directory / f"{name}.key.pem")
        self.server = make_server("127.0.0.1", 0, self._dispatch, threaded=True, request_handler=QuietHandler)
        self.url = f"http://127.0.0.1:{self.server.server_port}"
        now = datetime.datetime.now(datetime.UTC).replace(microsecond=0)
        config = CertomancerConfig(
            pki_config(self.url, now=now, signer_days=signer_days, tsa_days=tsa_days),
            key_search_dir=str(self.directory),
        )
        self.arch = config.get_pki_arch(ArchLabel(ARCH))
        for label in KEYS:
            # Parsed rather than built: asn1crypto encodes a built certificate again each time it is
            # embedded (7 of a timestamp's 9 ms); certomancer keeps its certificates in this cache.
            self.arch._cert_cache[CertLabel(label)] = x509.Certificate.load(self.certificate(label).dump())
        self.animator = Animator(AnimatorArchStore(config.pki_archs), with_web_ui=False, allow_time_override=False)
        self.tsa_url = f"{self.url}/{ARCH}/tsa/tsa"
        self.passphrase = PASSPHRASE
        self.p12_path = self.directory / "signer.p12"
        self.p12_path.write_bytes(self.arch.package_pkcs12(CertLabel("signer"), password=PASSPHRASE.encode()))
        self.root_path = self.directory / "root.pem"
        self.root_path.write_bytes(pem.armor("CERTIFICATE", self.root.dump()))
        self.thread = None

    def certificate(self, label):
        return self.arch.get_cert(CertLabel(label))

    @property
    def root(self):
        return self.certificate("root")

    def crl(self, at=None):
        """The root's CRL as published on `at` (now by default)."""
        return self.arch.service_registry.get_crl(ServiceLabel("root"), at_time=at)

    @property
    def signer_valid_until(self):
        return self.certificate("signer").not_valid_after

    @property
    def at_time(self):
        return self.animator.fixed_time

    @at_time.setter
    def at_time(self, moment):
        self.animator.fixed_time = moment

    def _dispatch(self, environ, start_response):
        return self.animator(environ, start_response)

    def start(self):
        self.thread = threading.Thread(target=self.server.serve_forever, name="test-pki", daemon=True)
        self.thread.start()
        return self

    def stop(self):
        self.server.shutdown()
        self.server.server_close()
        self.thread.join()

    def __enter__(self):
        return self.start()

    def __exit__(self, *exc_info):
        self.stop()


if __name__ == "__main__":
    import sys
    import tempfile

    pki = TestPki(sys.argv[1] if len(sys.argv) > 1 else tempfile.mkdtemp(prefix="test-pki-"))
    print(f"TSA_URL={pki.tsa_url}")
    print(f"CERTIFICATE_P12_PATH={pki.p12_path}")
    print(f"CERTIFICATE_P12_PASSPHRASE={pki.passphrase}")
    print(f"TSA_CA_PATH={pki.root_path}", flush=True)
    try:
        pki.server.serve_forever()
    except KeyboardInterrupt:
        pass
