"""One repository per kind of record, written once for both databases; sochat.store.sql.Unit bundles them over
one transaction."""
