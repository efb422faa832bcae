"""The content of the quarterly-report email, built for notifications' once-only sending
(registered in QuarterlyConfig.ready): links to the reports the reader may see, and their Word
documents attached in the reader's language while they stay under ATTACHMENT_LIMIT."""

from django.urls import reverse
from django.utils.translation import gettext as _

from agencies.models import User
from agencies.selectors import user_roles
from notifications.emails import absolute_url
from notifications.external import ExternalEmail
from notifications.models import Notification

from .quarters import quarter_parse
from .selectors import quarterly_report_recipients

ATTACHMENT_LIMIT = 5 * 1024 * 1024
DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"


def quarterly_report_email(recipient: User, notification: Notification) -> ExternalEmail | None:
    quarter = quarter_parse(notification.period)
    reports = quarterly_report_recipients(quarter=quarter).get(recipient.pk, [])
    if not reports:
        return None
    language = "fr" if recipient.language == "fr" else "en"
    links = []
    attachments: list[tuple[str, bytes, str]] = []
    size = 0
    attached = True
    for report in reports:
        title = (
            _("%(quarter)s: %(agency)s") % {"quarter": quarter.label, "agency": report.agency.name}
            if report.agency
            else _("%(quarter)s: all agencies") % {"quarter": quarter.label}
        )
        url = absolute_url(
            reverse(
                "quarterly:document", kwargs={"pk": report.pk, "kind": "html", "language": language}
            )
        )
        links.append({"title": title, "url": url})
        document = report.document("docx", language)
        if attached and size + document.size < ATTACHMENT_LIMIT:
            with document.open("rb") as handle:
                data = handle.read()
            size += len(data)
            attachments.append(((document.name or "").rsplit("/", 1)[-1], data, DOCX))
        else:
            attached = False
    return ExternalEmail(
        subject=_("Quarterly progress report, %(quarter)s") % {"quarter": quarter.label},
        template="quarterly_report",
        context={
            "quarter_label": quarter.label,
            "reports": links,
            "attached": attached,
            "coordinator": user_roles(recipient).sees_everything,
        },
        attachments=attachments if attached else [],
    )
