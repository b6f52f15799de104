"""What every test folder shares: the API's paths and demo users (api), the one client of the API (client),
ChatSessionEntity's properties as the code declares them (entity), a writer per request format (bodies),
hostile bodies (hostile), the databases tests run on (databases, fixtures), the app in process over httpx
(inprocess), real `sochat serve` processes (servers), free ports (ports) and CI's no-skip rule (ci).

tests/conftest.py loads ``support.fixtures`` and ``support.ci`` as pytest plugins; a folder's conftest keeps only
what is its own.
"""
