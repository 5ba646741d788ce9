-- midway functions 60: erasing one citizen (migration 0011; docs/security.md,
-- "Erasure"). SECURITY DEFINER: midway_pipeline may neither DELETE from
-- the event ledger nor touch dead letters beyond marking them published
-- (0007); this function is the one narrow way it may remove rows: every
-- row of one citizen of one project, on a request read from Kafka.
--
-- Removes the citizen's events, per-citizen state (citizen,
-- citizen_profile, citizen_contact) and the dead letters still holding the
-- message key p_ref (those not yet published; a published dead letter
-- keeps no key nor message in this table, only where it came from and
-- why). The status and the data-quality figures are computed from these
-- tables, so they change as if every registration of the citizen had been
-- retracted, and a rebuild from the remaining events (verify) agrees.
-- Returns the counts, and for each partition of the dead-letter topic the
-- offset below which the records dead-lettered from the request's source
-- partition lie (NULL, NULL when there are none): the consumer deletes
-- those records from Kafka once this transaction has committed.
CREATE OR REPLACE FUNCTION midway_erase_citizen(p_project int, p_ref text, p_topic text,
                                                p_partition int, p_offset bigint)
RETURNS TABLE (events int, dead_letters int, dlq_partition int, dlq_below bigint)
LANGUAGE plpgsql VOLATILE SECURITY DEFINER SET search_path = pg_catalog, public, pg_temp AS $$
DECLARE
    n_events int;
    n_dead int;
BEGIN
    IF p_ref IS NULL OR p_ref !~ '^[0-9a-f]{64}$' THEN
        RAISE EXCEPTION 'midway_erase_citizen: not a citizen reference'
            USING ERRCODE = 'invalid_parameter_value';
    END IF;
    DELETE FROM citizen_contact c WHERE c.project_id = p_project AND c.citizen_ref = p_ref;
    DELETE FROM citizen_profile c WHERE c.project_id = p_project AND c.citizen_ref = p_ref;
    DELETE FROM citizen c WHERE c.project_id = p_project AND c.citizen_ref = p_ref;
    DELETE FROM event e WHERE e.project_id = p_project AND e.citizen_ref = p_ref;
    GET DIAGNOSTICS n_events = ROW_COUNT;
    DELETE FROM dead_letter d WHERE d.msg_key = convert_to(p_ref, 'UTF8');
    GET DIAGNOSTICS n_dead = ROW_COUNT;
    INSERT INTO erasure (kafka_topic, kafka_partition, kafka_offset, project_id, events, dead_letters)
    VALUES (p_topic, p_partition, p_offset, p_project, n_events, n_dead)
    ON CONFLICT DO NOTHING;
    RETURN QUERY
        SELECT n_events, n_dead, NULL::int, NULL::bigint
        UNION ALL
        SELECT n_events, n_dead, d.dlq_partition, max(d.dlq_offset) + 1
          FROM dead_letter d
         WHERE d.kafka_topic = p_topic AND d.kafka_partition = p_partition
           AND d.dlq_offset IS NOT NULL
         GROUP BY d.dlq_partition;
END $$;
REVOKE ALL ON FUNCTION midway_erase_citizen(int, text, text, int, bigint) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION midway_erase_citizen(int, text, text, int, bigint) TO midway_pipeline;

-- Retention in PostgreSQL (docs/security.md, "Retention"): `midway-admin
-- expire` (as the owner) deletes the dead letters published more than
-- p_days days ago; the dead-letter topic has dropped their records by then
-- (dlq.retention.days). A dead letter not yet published still holds its
-- message and stays until it is. Events and the per-citizen state are kept
-- while the programme's status is published: the status counts from each
-- project's start, so deleting old events would change it; at the end they
-- go with the database (docs/security.md).
CREATE OR REPLACE FUNCTION midway_expire(p_days int)
RETURNS bigint
LANGUAGE plpgsql VOLATILE SET search_path = pg_catalog, public, pg_temp AS $$
DECLARE
    n bigint;
BEGIN
    IF p_days IS NULL OR p_days < 0 THEN
        RAISE EXCEPTION 'midway_expire: days must be 0 or more' USING ERRCODE = 'invalid_parameter_value';
    END IF;
    DELETE FROM dead_letter d WHERE d.published_at < now() - make_interval(days => p_days);
    GET DIAGNOSTICS n = ROW_COUNT;
    RETURN n;
END $$;
REVOKE ALL ON FUNCTION midway_expire(int) FROM PUBLIC;
