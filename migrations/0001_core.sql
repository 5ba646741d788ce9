-- midway 0001: reference data, the event ledger and the consumer's offsets.
-- Applied by `midway-admin migrate`, in one transaction; forward-only.

-- Reference data. Filled by `midway-admin migrate` from the embedded
-- reference/projects.csv and the code lists of libmidway (lib/codes.c).
CREATE TABLE project (
    project_id                 int PRIMARY KEY,
    name                       text NOT NULL,
    slug                       text NOT NULL UNIQUE,
    target_group               text NOT NULL CHECK (target_group IN ('youth', 'adult')),
    expected_target_2015_07_01 int,
    expected_target_total      int
);

-- A project is not a municipality: Vallensbaek/Ishoej is one project of two.
CREATE TABLE project_municipality (
    municipality_code int PRIMARY KEY,
    project_id        int NOT NULL REFERENCES project,
    municipality_name text NOT NULL
);

CREATE TABLE code (
    list     text NOT NULL,
    code     text NOT NULL,
    position int  NOT NULL,
    label_da text NOT NULL,
    label_en text NOT NULL,
    grp      text,             -- exit reasons: job | flexjob | education | other
    PRIMARY KEY (list, code)
);

-- The event ledger: every registration applied, once (event_id is the
-- deterministic id the producer derives from the source row).
CREATE TABLE event (
    event_id          uuid PRIMARY KEY,
    project_id        int NOT NULL REFERENCES project,
    municipality_code int NOT NULL REFERENCES project_municipality,
    citizen_ref       text NOT NULL,
    key_id            text NOT NULL,
    kind              text NOT NULL CHECK (kind IN ('visitation', 'contact', 'intervention', 'exit', 'profile_change')),
    event_date        date NOT NULL,
    registered_at     timestamptz NOT NULL,
    producer_id       text NOT NULL,
    action            text NOT NULL CHECK (action IN ('new', 'correction', 'retraction')),
    supersedes        uuid,
    payload           jsonb NOT NULL,
    kafka_topic       text NOT NULL,
    kafka_partition   int NOT NULL,
    kafka_offset      bigint NOT NULL,
    stored_at         timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX event_citizen_idx ON event (citizen_ref, project_id);
CREATE INDEX event_supersedes_idx ON event (supersedes) WHERE supersedes IS NOT NULL;

-- Kafka offsets, written in the same transaction as the data they cover.
-- messages counts every message applied through this row (events,
-- duplicates and dead letters), so messages = next_offset - first offset
-- minus transaction markers: a check that nothing was applied twice.
CREATE TABLE kafka_offset (
    consumer_group text NOT NULL,
    topic          text NOT NULL,
    partition      int NOT NULL,
    next_offset    bigint NOT NULL,
    messages       bigint NOT NULL DEFAULT 0,
    duplicates     bigint NOT NULL DEFAULT 0,
    dead_letters   bigint NOT NULL DEFAULT 0,
    updated_at     timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (consumer_group, topic, partition)
);

-- Messages sent to the dead-letter topic: where they came from and why.
-- Only metadata: the message itself is in the dead-letter topic.
CREATE TABLE dead_letter (
    kafka_topic      text NOT NULL,
    kafka_partition  int NOT NULL,
    kafka_offset     bigint NOT NULL,
    reason           text NOT NULL,
    dead_lettered_at timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (kafka_topic, kafka_partition, kafka_offset)
);
