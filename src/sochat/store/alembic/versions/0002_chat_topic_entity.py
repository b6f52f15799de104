"""ChatTopicEntity: chat_topic gets a column per top-level scalar and link of the entity, and one JSON text
column each for OpeningHours, Widget and BotSettings, plus row_version and updated_ticks as chat_session has.

The nested settings are encoded and decoded whole with msgspec from their Structs (sochat.domain.chat_topic):
nothing queries, filters or sorts by a member of them, so columns of their own would only cost a migration per
member. Every new column has a server default, so rows stored before (by ``sochat --demo`` or an import, with only
a name, description and welcome message) read as topics with default values.

Revision ID: 0002_chat_topic_entity
Revises: 0001_baseline
"""

from __future__ import annotations

from alembic import op

from sochat.store.topic_schema import topic_columns

revision = "0002_chat_topic_entity"
down_revision = "0001_baseline"
branch_labels = None
depends_on = None


def upgrade(applied: list[str] | None = None) -> None:
    for column in topic_columns():
        op.add_column("chat_topic", column)
    if applied is not None:
        applied.append(revision)


def downgrade() -> None:
    raise NotImplementedError("sochat migrates forward only")
