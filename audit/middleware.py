from collections.abc import Callable

from django.http import HttpRequest, HttpResponse

from audit.context import current_request
from audit.models import Event
from audit.services import record


class AuditMiddleware:
    """Makes the request available to audit receivers, and records refused access."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        token = current_request.set(request)
        try:
            response = self.get_response(request)
        finally:
            current_request.reset(token)
        if response.status_code == 403:
            record(Event.ACCESS_DENIED, request=request, detail={"status": 403})
        return response
