"""Claims of the seed articles (being written)."""
