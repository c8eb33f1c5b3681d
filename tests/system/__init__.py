"""Whole-system tests: real `tracker` processes, several hubs at once, crashes and kills."""
