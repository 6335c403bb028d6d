"""learn/surrogates."""
