-- midway functions 35: the evaluator's date rule (migration 0007 made the
-- tables and the roles; docs/security.md, "What an evaluator may see").
-- Called only from the SECURITY DEFINER functions of the status schema and
-- the trigger on status.publication_date: nobody else executes them.

-- Who and when are set by the database, not by the writer; a registered
-- date stays at least 7 days from every other cut-off and month end, so
-- no two dates an evaluator may ask for are closer than a week (except a
-- month end and the first of the next month, which the series allows:
-- see docs/security.md).
CREATE OR REPLACE FUNCTION midway_publication_date_check() RETURNS trigger
LANGUAGE plpgsql SET search_path = pg_catalog, public, pg_temp AS $$
DECLARE
    d date := NEW.cut_off;
    near date;
BEGIN
    IF TG_OP = 'UPDATE' THEN
        RAISE EXCEPTION 'status.publication_date is append-only: delete the row and insert a new one'
            USING ERRCODE = 'insufficient_privilege';
    END IF;
    NEW.registered_by := session_user;
    NEW.registered_at := now();
    IF extract(day FROM d) = 1 THEN
        RAISE EXCEPTION 'publication cut-off %: the first day of every month is a cut-off already', d;
    END IF;
    near := CASE WHEN d - date_trunc('month', d)::date < 7 THEN date_trunc('month', d)::date
                 WHEN (date_trunc('month', d) + interval '1 month')::date - d <= 7
                     THEN (date_trunc('month', d) + interval '1 month')::date - 1
            END;
    IF near IS NULL THEN
        SELECT p.cut_off INTO near FROM status.publication_date p
         WHERE abs(p.cut_off - d) < 7 AND p.cut_off <> d LIMIT 1;
    END IF;
    IF near IS NOT NULL THEN
        RAISE EXCEPTION 'publication cut-off %: less than 7 days from the cut-off or month end %', d, near
            USING HINT = 'dates an evaluator may ask for must not be differenced into short windows (docs/security.md)';
    END IF;
    RETURN NEW;
END $$;
-- Is d a publication cut-off?
CREATE OR REPLACE FUNCTION midway_is_cut_off(d date) RETURNS boolean
LANGUAGE sql STABLE SET search_path = pg_catalog, public, pg_temp AS $$
    SELECT d IS NOT NULL
       AND (extract(day FROM d) = 1
            OR EXISTS (SELECT 1 FROM status.publication_date p WHERE p.cut_off = d))
$$;

-- The rule, for the functions of the status schema (which run as the
-- owner: current_user is the owner, session_user the caller).
CREATE OR REPLACE FUNCTION midway_status_gate(fn text, dates date[], month_ends boolean) RETURNS void
LANGUAGE plpgsql VOLATILE SET search_path = pg_catalog, public, pg_temp AS $$
DECLARE
    d date;
BEGIN
    -- the owner (and superusers, members of everything) unaffected
    IF pg_has_role(session_user, current_user, 'MEMBER') THEN
        RETURN;
    END IF;
    IF pg_has_role(session_user, 'midway_auditor', 'MEMBER') THEN
        INSERT INTO status_access_log (function, dates) VALUES (fn, coalesce(dates, '{}'));
        RAISE LOG 'midway audit: % called % for %', session_user, fn, dates;
        RETURN;
    END IF;
    FOREACH d IN ARRAY coalesce(dates, '{}') LOOP
        IF d IS NULL AND NOT month_ends THEN
            RAISE EXCEPTION 'permission denied for the status without a date'
                USING ERRCODE = 'insufficient_privilege';
        END IF;
        CONTINUE WHEN d IS NULL; -- the series ignores them
        IF midway_is_cut_off(d) OR (month_ends AND extract(day FROM d + 1) = 1) THEN
            CONTINUE;
        END IF;
        IF month_ends THEN
            RAISE EXCEPTION 'permission denied for the status series at %: an evaluator gets series points only at publication cut-offs (the first day of a month or a date in status.publication_date) and month ends (docs/security.md)', d
                USING ERRCODE = 'insufficient_privilege',
                      HINT = 'use month ends and first days of months (e.g. --as-of 2015-07-01), ask the owner to register the date, or ask a midway_auditor';
        END IF;
        RAISE EXCEPTION 'permission denied for the status at %: an evaluator gets the status only at publication cut-offs, the first day of a month or a date in status.publication_date (docs/security.md)', d
            USING ERRCODE = 'insufficient_privilege',
                  HINT = 'ask for the first day of a month (e.g. --as-of 2015-07-01), ask the owner to register the date, or ask a midway_auditor';
    END LOOP;
END $$;

REVOKE ALL ON FUNCTION midway_publication_date_check(), midway_is_cut_off(date),
    midway_status_gate(text, date[], boolean)
    FROM PUBLIC, midway_evaluator, midway_auditor, midway_municipality, midway_pipeline;
