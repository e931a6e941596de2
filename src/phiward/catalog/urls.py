from django.urls import path

from phiward.catalog import views

app_name = "catalog"

urlpatterns = [
    path("", views.browse, name="browse"),
    path("<str:framework>/<str:key>/", views.entry_detail, name="entry"),
]
