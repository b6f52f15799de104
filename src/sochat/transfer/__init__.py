"""Import and export of chat sessions and the records they link to (JSON Lines or CSV)."""
