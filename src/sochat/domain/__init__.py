"""Pure domain model: entities, enums, validation and rights. No I/O, no HTTP, no SQL."""
