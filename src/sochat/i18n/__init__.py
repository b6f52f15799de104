"""Languages, cultures, time zones and our own translated texts. Pure: no HTTP, no storage."""
