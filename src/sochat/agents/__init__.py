"""Use cases, one module per SuperOffice agent. They check rights and talk to the store."""
