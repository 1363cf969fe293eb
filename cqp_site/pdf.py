"""PDFs from Django templates with WeasyPrint: grids, minutes, certificates."""

from django.http import HttpResponse
from django.template.loader import render_to_string
from django.utils.http import content_disposition_header


def html_to_pdf(html: str) -> bytes:
    from weasyprint import HTML  # on first use: WeasyPrint takes half a second to import

    return HTML(string=html).write_pdf()


def pdf_response(template_name, context, filename, request=None):
    """The template rendered as a PDF, shown inline in the browser."""
    pdf = html_to_pdf(render_to_string(template_name, context, request=request))
    response = HttpResponse(pdf, content_type="application/pdf")
    response["Content-Disposition"] = content_disposition_header(False, filename)
    return response
