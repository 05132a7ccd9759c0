"""A URLconf with a view that fails, to check what a 500 shows (and does not show)."""

from django.urls import include, path


def boom(request):
    raise RuntimeError("database password is hunter2 and SECRET_KEY leaked")


urlpatterns = [path("boom/", boom), path("", include("oversight.urls"))]
