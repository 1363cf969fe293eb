from candidates.models import Exam


def exam_of(last_name, bloc_code=None):
    """The exam of a demo candidate on a bloc; without a bloc, their VAE interview."""
    exams = Exam.objects.filter(candidate__last_name=last_name)
    exams = exams.filter(bloc__code=bloc_code) if bloc_code else exams.filter(bloc__isnull=True)
    return exams.get()
