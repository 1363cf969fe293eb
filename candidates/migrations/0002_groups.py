"""The three roles as groups: Ucanss administrators manage everything in the admin; jury members
(professional and national) use the application's own screens and never reach the admin."""

from django.contrib.auth.management import create_permissions
from django.db import migrations

from candidates.roles import ADMINISTERED_APPS, NATIONAL_JURY, PROFESSIONAL_JURY, UCANSS_ADMINISTRATORS


def create_groups(apps, schema_editor):
    for app_config in apps.get_app_configs():
        app_config.models_module = True
        create_permissions(app_config, apps=apps, verbosity=0)
        app_config.models_module = None
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    administrators, _ = Group.objects.get_or_create(name=UCANSS_ADMINISTRATORS)
    administrators.permissions.add(*Permission.objects.filter(content_type__app_label__in=ADMINISTERED_APPS))
    Group.objects.get_or_create(name=PROFESSIONAL_JURY)
    Group.objects.get_or_create(name=NATIONAL_JURY)


def remove_groups(apps, schema_editor):
    apps.get_model("auth", "Group").objects.filter(
        name__in=[UCANSS_ADMINISTRATORS, PROFESSIONAL_JURY, NATIONAL_JURY]
    ).delete()


class Migration(migrations.Migration):
    dependencies = [
        ("candidates", "0001_initial"),
        ("referentials", "0001_initial"),
        ("auth", "0012_alter_user_first_name_max_length"),
        ("contenttypes", "0002_remove_content_type_name"),
    ]

    operations = [migrations.RunPython(create_groups, remove_groups)]
