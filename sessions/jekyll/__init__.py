"""Jekyll blog posts: each member's day exported in their blog's format, and posts imported."""
