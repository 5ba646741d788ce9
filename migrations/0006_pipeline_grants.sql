-- midway 0006: midway_pipeline may do what the consumer does, so the
-- consumer can log in as a role of its own that owns nothing (docs/status.md,
-- docs/deployment.md). 0001 and 0002 granted the event and per-citizen
-- tables; the offsets, the dead-letter records and the list of applied
-- migrations were left to the owner.
GRANT SELECT, INSERT, UPDATE ON kafka_offset TO midway_pipeline;
GRANT SELECT, INSERT ON dead_letter TO midway_pipeline;
GRANT SELECT ON schema_migration TO midway_pipeline;
