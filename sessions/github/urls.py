"""GitHub's URLs, under /accounts/github/. The names are allauth's own where allauth
reverses them (github_login, github_callback); none of allauth's other pages is served."""

from django.urls import path

from . import oauth, views

urlpatterns = [
    path("login/", oauth.login, name="github_login"),
    path("login/callback/", oauth.callback, name="github_callback"),
    path("unlink/", views.unlink, name="github_unlink"),
    path("blog-token/", views.blog_token, name="github_blog_token"),
]
