-- outbox_read.sql - what the admin API reads of the outbox: rows newest
-- first with their state and last error, filtered.  One function per read;
-- C passes the request's values through and returns the JSON.

-- GET /api/outbox: up to p_limit rows (newest first) of a state, a kind,
-- an event and a deadline (NULL: any), as a JSON array.
CREATE OR REPLACE FUNCTION cv_outbox_list(p_state outbox_state, p_kind text,
                                          p_event bigint, p_deadline bigint,
                                          p_limit int)
RETURNS json
LANGUAGE sql STABLE AS $$
    SELECT COALESCE(json_agg(x ORDER BY x.id DESC), '[]')
      FROM (SELECT id, kind, channel, recipient, language, state, attempts,
                   due_at, next_attempt_at, sent_at, created_at, last_error,
                   claimed_by, lease_until, reminder_offset, event_id,
                   deadline_id, registration_id, person_id
              FROM outbox
             WHERE (p_state IS NULL OR state = p_state)
               AND (p_kind IS NULL OR kind = p_kind)
               AND (p_event IS NULL OR event_id = p_event)
               AND (p_deadline IS NULL OR deadline_id = p_deadline)
             ORDER BY id DESC
             LIMIT p_limit) x
$$;
