from django.core.management.base import BaseCommand

from evaluations.reminders import queue_reminders


class Command(BaseCommand):
    help = (
        "Écrit dans la boîte d'envoi les rappels dus maintenant : aux candidats et aux jurys, "
        "EXAM_REMINDER_DAYS jours avant chaque épreuve ; à chaque membre de jury qui n'a pas signé la grille "
        "d'une épreuve passée depuis GRID_REMINDER_DAYS jours, puis tous les GRID_REMINDER_EVERY_DAYS jours "
        "jusqu'à sa signature. Un rappel déjà envoyé ne l'est pas deux fois : la commande peut tourner aussi "
        "souvent qu'on veut (cron), à côté du processus de tâches qui le fait de lui-même toutes les "
        "REMINDERS_EVERY_SECONDS secondes. Les messages partent par le processus de tâches."
    )

    def handle(self, *args, **options):
        counts = queue_reminders()
        self.stdout.write(
            self.style.SUCCESS(
                f"Rappels avant l'épreuve : {counts.exam_reminders} ; "
                f"rappels de grille à signer : {counts.grid_reminders}."
            )
        )
