"""Wenzheng publisher: store + content/ → static site."""
