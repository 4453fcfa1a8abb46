"""The background task that publishes a blog connection's due posts (django-tasks)."""

from django_tasks import task

from . import publishing


@task()
def publish_connection(connection_id: int) -> str:
    return publishing.run(connection_id)
