from django.urls import URLPattern, URLResolver, path

from phiward.calendar import views

app_name = "calendar"

urlpatterns: list[URLPattern | URLResolver] = [
    path("", views.CalendarView.as_view(), name="month"),
    path("deadlines.ics", views.CalendarFeedView.as_view(), name="ics"),
]
