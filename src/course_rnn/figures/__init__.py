"""Diagrams of the book's chapters, drawn at build time with course_rnn.diagrams."""
