-- midway 0011: erasure of one citizen at a municipality's request
-- (docs/security.md, "Erasure"). The consumer applies an erasure request
-- (a tombstone on the project's topic, docs/schemas.md) by calling
-- midway_erase_citizen() (functions/60_erasure.sql) in the transaction that
-- moves its partition's offset past the request. This table is the record
-- that an erasure happened: where the request was on Kafka and how much
-- it removed, never whom it was about (no citizen_ref, no event id).
CREATE TABLE erasure (
    kafka_topic     text NOT NULL,
    kafka_partition int NOT NULL,
    kafka_offset    bigint NOT NULL,
    project_id      int NOT NULL REFERENCES project,
    events          int NOT NULL,
    dead_letters    int NOT NULL,
    erased_at       timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (kafka_topic, kafka_partition, kafka_offset)
);
REVOKE ALL ON erasure FROM PUBLIC;
