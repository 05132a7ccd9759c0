from django.conf import settings
from django.http import HttpRequest


def oversight(request: HttpRequest) -> dict[str, object]:
    return {"DEMO_MODE": settings.DEMO_MODE}
