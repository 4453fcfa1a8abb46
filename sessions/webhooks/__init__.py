"""A team's event webhooks: what happens in the team (events.py), told to the URLs its
admins subscribed, signed, outside the request that made it happen, and retried with
backoff (sending.py, tasks.py)."""
