"""Calling the HTTP API in tests: tokens, and requests that carry them."""

import json

from django.test import Client

from sessions.models import ApiToken

API = "/api/v1"


def token_for(user, *, scope=ApiToken.Scope.WRITE, team=None, name="테스트") -> str:
    return ApiToken(user=user, name=name, scope=scope, team=team).issue()


class ApiClient:
    """A test client that sends a bearer token (or none) and JSON bodies."""

    def __init__(self, token: str | None = None):
        self.client = Client()
        self.headers = {"HTTP_AUTHORIZATION": f"Bearer {token}"} if token else {}

    def get(self, path: str, **extra):
        return self.client.get(API + path, **self.headers, **extra)

    def send(self, method: str, path: str, body=None, **extra):
        data = json.dumps(body) if body is not None else ""
        call = getattr(self.client, method)
        return call(API + path, data=data, content_type="application/json", **self.headers, **extra)

    def post(self, path, body=None, **extra):
        return self.send("post", path, body, **extra)

    def patch(self, path, body=None, **extra):
        return self.send("patch", path, body, **extra)

    def delete(self, path, **extra):
        return self.client.delete(API + path, **self.headers, **extra)
