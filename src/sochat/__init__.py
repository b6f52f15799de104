"""sochat: a self-hostable implementation of SuperOffice CRM's Chat Web API."""

__version__ = "0.1.0"
