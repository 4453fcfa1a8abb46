"""A team's images, under /teams/<team>/images/ (included by sessions/urls.py)."""

from django.urls import path

from . import views

urlpatterns = [
    path("<slug:key>.<slug:ext>", views.image, name="image"),
]
