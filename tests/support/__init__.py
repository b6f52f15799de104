"""What every test folder shares: the API's paths and demo users (api), ChatSessionEntity's properties as the
code declares them (entity), a writer per request format (bodies), the databases tests run on (databases,
fixtures), the app in process over httpx (inprocess), real `sochat serve` processes (servers) and free ports
(ports).

tests/conftest.py loads ``support.fixtures`` as a pytest plugin; a folder's conftest keeps only what is its own.
"""
