import datetime

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from cryptography.hazmat.primitives.serialization import pkcs12
from cryptography.x509.oid import NameOID
from django.conf import settings
from django.core.management.base import BaseCommand, CommandError


class Command(BaseCommand):
    help = (
        "Crée un certificat auto-signé pour signer les CCP et CQP en développement et en démonstration "
        "(fichier PKCS#12 de CERTIFICATE_P12_PATH, chiffré par CERTIFICATE_P12_PASSPHRASE). "
        "En production, utilisez le certificat de l'organisme délivrant."
    )

    def add_arguments(self, parser):
        parser.add_argument("--force", action="store_true", help="remplace un fichier existant")
        parser.add_argument("--days", type=int, default=3 * 365, help="durée de validité en jours (défaut : 1095)")

    def handle(self, *args, force, days, **options):
        path, passphrase = settings.CERTIFICATE_P12_PATH, settings.CERTIFICATE_P12_PASSPHRASE
        if path.exists() and not force:
            self.stdout.write(f"Certificat de signature déjà présent : {path}")
            return
        if not passphrase:
            raise CommandError("Indiquez CERTIFICATE_P12_PASSPHRASE : le fichier doit être chiffré.")
        key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
        name = x509.Name(
            [
                x509.NameAttribute(NameOID.COUNTRY_NAME, "FR"),
                x509.NameAttribute(NameOID.ORGANIZATION_NAME, "Ucanss"),
                x509.NameAttribute(NameOID.COMMON_NAME, "Ucanss — certificats CQP (développement)"),
            ]
        )
        now = datetime.datetime.now(datetime.UTC)
        certificate = (
            x509.CertificateBuilder()
            .subject_name(name)
            .issuer_name(name)
            .public_key(key.public_key())
            .serial_number(x509.random_serial_number())
            .not_valid_before(now - datetime.timedelta(days=1))
            .not_valid_after(now + datetime.timedelta(days=days))
            .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
            .add_extension(
                x509.KeyUsage(
                    digital_signature=True,
                    content_commitment=True,
                    key_encipherment=False,
                    data_encipherment=False,
                    key_agreement=False,
                    key_cert_sign=True,
                    crl_sign=False,
                    encipher_only=False,
                    decipher_only=False,
                ),
                critical=True,
            )
            .sign(key, hashes.SHA256())
        )
        data = pkcs12.serialize_key_and_certificates(
            b"ucanss", key, certificate, None, serialization.BestAvailableEncryption(passphrase.encode())
        )
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(data)
        path.chmod(0o600)
        self.stdout.write(self.style.SUCCESS(f"Certificat de signature créé : {path}"))
