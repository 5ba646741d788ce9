-- Dead letters exactly once per source offset (consumers/midway-consumer/
-- dlq.c): a dead letter is recorded here, with its message, inside the
-- transaction that moves its partition's offset past it, and produced to
-- the dead-letter topic only after that commits; published_at marks it
-- acknowledged by Kafka (and the copy of the message is dropped). A row
-- still unpublished after a crash is looked for on the topic before it is
-- produced again.
ALTER TABLE dead_letter
    ADD COLUMN stage text,
    ADD COLUMN msg_key bytea,
    ADD COLUMN payload bytea,
    ADD COLUMN payload_withheld boolean NOT NULL DEFAULT false,
    ADD COLUMN published_at timestamptz,
    ADD COLUMN dlq_partition int,
    ADD COLUMN dlq_offset bigint;

-- Rows from before this migration were produced before they were stored.
UPDATE dead_letter SET published_at = dead_lettered_at,
       stage = CASE WHEN split_part(reason, ':', 1) IN ('schema', 'decode', 'validate')
                    THEN split_part(reason, ':', 1) ELSE 'decode' END;

-- The stage is one of the consumer's (docs/operations.md, dead letters).
ALTER TABLE dead_letter ALTER COLUMN stage SET NOT NULL,
    ADD CONSTRAINT dead_letter_stage CHECK (stage IN
        ('schema', 'decode', 'privacy', 'validate', 'bind', 'store')),
    -- a withheld value is never kept
    ADD CONSTRAINT dead_letter_withheld CHECK (NOT payload_withheld OR payload IS NULL);

CREATE INDEX dead_letter_pending ON dead_letter (kafka_topic, kafka_partition)
    WHERE published_at IS NULL;

GRANT UPDATE (published_at, dlq_partition, dlq_offset, msg_key, payload)
    ON dead_letter TO midway_pipeline;
