"""The background task that sends a webhook delivery (django-tasks), and its retries."""

import datetime

from django_tasks import task

from . import sending


@task()
def deliver_webhook(delivery_id: int) -> str:
    retry_at = sending.deliver(delivery_id)
    if retry_at is not None:
        enqueue(delivery_id, run_after=retry_at)
    return "retrying" if retry_at else "done"


def enqueue(delivery_id: int, *, run_after: datetime.datetime | None = None) -> None:
    """Send in the background (later, if the backend can defer; a backend that cannot
    leaves a retry to the admin's resend)."""
    job = deliver_webhook
    if run_after is not None:
        if not job.get_backend().supports_defer:
            return
        job = job.using(run_after=run_after)
    job.enqueue(delivery_id)
