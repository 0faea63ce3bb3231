"""Packs, supplements and paper PDFs, and issuing a pack."""

from django.contrib import messages
from django.http import FileResponse, Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect
from django.views.decorators.http import require_POST, require_safe

from wkp.downloads import attachment, file_name
from wkp.pdf import PdfRenderError

from .. import pack
from ..access import get_meeting_for_user_or_404, get_paper_for_user_or_404, meeting_view
from ..tasks import request_pack_build


def _stored_pdf(request, field_file, filename, sha256):
    etag = f'"{sha256}"'
    if request.headers.get("If-None-Match") == etag:
        response = HttpResponse(status=304)
    else:
        response = FileResponse(
            field_file.open("rb"),
            as_attachment=True,
            filename=file_name(filename),
            content_type="application/pdf",
        )
    response["ETag"] = etag
    return response


@require_safe
def pack_download(request, pk, number=None):
    """An issued pack: the stored file, never re-rendered (the current version by default)."""
    meeting = get_meeting_for_user_or_404(request.user, pk)
    if not meeting.agenda_visible_to(request.user):
        raise Http404
    versions = meeting.pack_versions.all()
    version = versions.filter(number=number).first() if number else versions.first()
    if version is None:
        raise Http404
    return _stored_pdf(request, version.file, version.file_name, version.sha256)


@require_safe
def supplement_download(request, pk, number):
    meeting = get_meeting_for_user_or_404(request.user, pk)
    if not meeting.agenda_visible_to(request.user):
        raise Http404
    version = get_object_or_404(meeting.pack_versions, number=number)
    if not version.supplement:
        raise Http404
    return _stored_pdf(
        request, version.supplement, version.supplement_name, version.supplement_sha256
    )


@require_safe
def paper_pdf_download(request, pk):
    paper = get_paper_for_user_or_404(request.user, pk)
    if paper.deleted_at or paper.separate_attachment and not paper.file:
        raise Http404
    issued = None if paper.meeting.is_draft else pack.issued_paper(paper)
    try:
        # As issued with the pack (whatever has changed since), else as it stands.
        data = (pack.read_issued_pdf(issued) if issued else None) or pack.paper_pdf(paper)
    except PdfRenderError as error:
        messages.error(request, str(error))
        return redirect(paper.get_absolute_url())
    name = f"{paper.meeting.file_stem}-paper-{paper.letter or paper.pk}.pdf"
    return attachment(data, name, content_type="application/pdf")


@require_POST
@meeting_view("meetings.change_meeting")
def pack_issue(request, meeting):
    if meeting.published_at is None:
        messages.error(request, "Publish the agenda first: version 1 of the pack is issued then.")
    else:
        request_pack_build(meeting, by=request.user)
        messages.success(request, "A new version of the pack is being prepared.")
    return redirect("meetings:meeting_detail", meeting.pk)
