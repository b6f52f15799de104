"""Codecs turn bodies into plain Python values (dicts, lists, str, int, float, bool, None) and back."""
