-- The stored events, one normalised line each: event id, project, municipality,
-- citizen, kind, date and the payload's fields, '|'-separated as psql -At prints
-- them (tests/integration/oracle.py and tests/faults/evolve_writer.py print the
-- same form). Used by dump_events (lib.sh) and tests/deploy/compose_e2e.sh.
SELECT event_id, project_id, municipality_code, citizen_ref, kind, event_date,
          CASE kind
          WHEN 'visitation' THEN concat_ws('|', payload->>'target_group', payload->>'benefit_type',
               payload->>'gender', payload->>'age_band',
               (SELECT coalesce(string_agg(a, ',' ORDER BY o), '') FROM jsonb_array_elements_text(payload->'problem_areas') WITH ORDINALITY AS x(a, o)))
          WHEN 'contact' THEN concat_ws('|', payload->>'channel', coalesce(payload->>'place', ''))
          WHEN 'intervention' THEN concat_ws('|', payload->>'intervention_ref', payload->>'category',
               payload->>'status', coalesce(payload->>'start_date', ''),
               coalesce(payload->>'mentor_type', ''))
          WHEN 'exit' THEN payload->>'reason'
          END
   FROM event;
