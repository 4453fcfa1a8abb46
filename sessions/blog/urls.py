"""The member's blog connection, in their profile (user-level: /accounts/blog/)."""

from django.urls import path

from . import views

urlpatterns = [
    path("", views.profile, name="blog"),
    path("publish/", views.publish_all, name="blog_publish_all"),
    path("disconnect/", views.disconnect, name="blog_disconnect"),
]
