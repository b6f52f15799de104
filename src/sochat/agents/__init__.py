"""Use cases, one module per subject (chat sessions, authentication, health) behind one facade (facade.Agents).
They decide rights, policy and strict mode, and talk to the store."""
