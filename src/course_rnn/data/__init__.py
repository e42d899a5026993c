"""Data for the course, all offline: corpora shipped in the package and generators for the
classic synthetic experiments."""
