"""A bloc's RNCP code moves from the bloc to the bloc in one certification (`CertificationBloc`): a common bloc
has a code in each CQP's RNCP record. A code filled on a bloc goes to the certification whose RNCP number it
carries, the only one whose certificates printed it; a code of no certification of its bloc was never printed,
and is named in the migration's output as it is dropped."""

import re

from django.db import migrations, models

BLOC_RNCP_CODE = re.compile(r"RNCP(?P<number>\d+)BC\d+")


def codes_to_certifications(apps, schema_editor):
    Bloc = apps.get_model("referentials", "Bloc")
    CertificationBloc = apps.get_model("referentials", "CertificationBloc")
    for bloc in Bloc.objects.using(schema_editor.connection.alias).exclude(rncp_code=""):
        code = BLOC_RNCP_CODE.fullmatch(bloc.rncp_code)
        links = CertificationBloc.objects.using(schema_editor.connection.alias).filter(bloc=bloc)
        moved = links.filter(certification__rncp_number=code["number"]).update(rncp_code=bloc.rncp_code) if code else 0
        if not moved:
            print(f"\n  Code {bloc.rncp_code} du bloc {bloc.code} (version {bloc.version_id}) : d'aucune fiche de ses CQP, non repris.")


def codes_to_blocs(apps, schema_editor):
    CertificationBloc = apps.get_model("referentials", "CertificationBloc")
    for link in CertificationBloc.objects.using(schema_editor.connection.alias).exclude(rncp_code="").order_by("pk"):
        type(link.bloc).objects.using(schema_editor.connection.alias).filter(pk=link.bloc_id, rncp_code="").update(
            rncp_code=link.rncp_code
        )


class Migration(migrations.Migration):
    dependencies = [
        ("referentials", "0002_rncp_identifiers"),
    ]

    operations = [
        migrations.AddField(
            model_name="certificationbloc",
            name="rncp_code",
            field=models.CharField(
                blank=True,
                help_text="Le code officiel du bloc dans la fiche RNCP de cette certification (RNCP12345BC01) : vide tant qu'un administrateur ne l'a pas saisi, les textes repris ne le donnant pas.",
                max_length=20,
                verbose_name="code du bloc au RNCP",
            ),
        ),
        migrations.RunPython(codes_to_certifications, codes_to_blocs),
        migrations.RemoveField(
            model_name="bloc",
            name="rncp_code",
        ),
    ]
