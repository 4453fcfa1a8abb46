"""Publishing members' posts straight to their own blog repositories (git)."""
