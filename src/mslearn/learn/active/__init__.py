"""learn/active."""
