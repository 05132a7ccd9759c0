from django.urls import path

from dashboards import views

app_name = "dashboards"

urlpatterns = [
    path("dashboard/", views.dashboard, name="dashboard"),
    path("dashboard/pack/", views.pack, name="pack"),
    path("dashboard/pack.pdf", views.pack_pdf, name="pack-pdf"),
]
