from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse


@login_required
def browse(request: HttpRequest) -> HttpResponse:
    # Placeholder until the catalog browser lands in this same change.
    return HttpResponse("catalog")
