-- outbox_read.sql - what the admin API reads of the outbox: rows newest
-- first with their state and last error, filtered.  One function per read;
-- C passes the request's values through and returns the JSON.

-- GET /api/outbox: up to p_limit rows (newest first) of a state, a kind,
-- an event and a deadline (NULL: any), with an id below p_before (NULL:
-- any), as {"outbox": [...], "count": n, "next_before": id or null};
-- next_before is the p_before of the next (older) page, null on the last.
CREATE OR REPLACE FUNCTION cv_outbox_list(p_state outbox_state, p_kind text,
                                          p_event bigint, p_deadline bigint,
                                          p_before bigint, p_limit int)
RETURNS json
LANGUAGE sql STABLE AS $$
    WITH page AS (
        SELECT id, kind, channel, recipient, language, state, attempts,
               due_at, next_attempt_at, sent_at, created_at, last_error,
               claimed_by, lease_until, reminder_offset, event_id,
               deadline_id, registration_id, person_id
          FROM outbox
         WHERE (p_state IS NULL OR state = p_state)
           AND (p_kind IS NULL OR kind = p_kind)
           AND (p_event IS NULL OR event_id = p_event)
           AND (p_deadline IS NULL OR deadline_id = p_deadline)
           AND (p_before IS NULL OR id < p_before)
         ORDER BY id DESC
         LIMIT p_limit + 1),
    shown AS (SELECT * FROM page ORDER BY id DESC LIMIT p_limit)
    SELECT json_build_object(
        'outbox', COALESCE((SELECT json_agg(x ORDER BY x.id DESC) FROM shown x), '[]'),
        'count', (SELECT count(*) FROM shown),
        'next_before', CASE WHEN (SELECT count(*) FROM page) > p_limit
                            THEN (SELECT min(id) FROM shown) END)
$$;

-- The scheduler's claim: marks up to p_batch due pending rows 'sending'
-- for p_instance with a lease of p_lease seconds and returns them with
-- everything rendering needs, by name (daemon/outbox_render.c reads these
-- columns and nothing else).  The person's local time, the waiting-list
-- rank and the reply token are decided here, not in C.
CREATE OR REPLACE FUNCTION cv_outbox_claim(p_instance text, p_lease int, p_batch int)
RETURNS TABLE (
    id bigint, kind text, channel text, attempts int, due_epoch float8,
    recipient text, recipient_name text, language text, dedupe_key text,
    created_epoch bigint, reminder_offset text, person_name text,
    event_id bigint, event_title text, start_fmt text, end_fmt text,
    event_tz text, recipient_local text, venue text, city text,
    country text, place text, reg_token text, feed_token text,
    project_title text, deadline_title text, deadline_fmt text,
    deadline_tz text, deadline_url text, follow_token text,
    waitlist_rank bigint, uid text, sequence int, event_kind text,
    description text, start_local text, end_local text, start_epoch bigint,
    end_epoch bigint, status text, event_created_epoch bigint,
    event_updated_epoch bigint, all_day boolean, itip_sequence int,
    reply_token text, in_from text, in_from_name text, in_subject text,
    in_text text, in_id bigint, in_rcpt text, reg_person_name text,
    reg_person_email text, reg_state text, about_title text,
    deadline_epoch bigint, recipient_tz text, checkin_token text,
    programme json)
LANGUAGE plpgsql VOLATILE AS $$
#variable_conflict use_column
DECLARE
    v_ids bigint[];
BEGIN
    WITH claimed AS (
        UPDATE outbox o SET state = 'sending', claimed_by = p_instance,
               lease_until = now() + make_interval(secs => p_lease),
               attempts = o.attempts + 1, updated_at = now()
         WHERE o.id = ANY (ARRAY(SELECT x.id FROM outbox x
                                  WHERE x.state = 'pending'
                                    AND x.next_attempt_at <= now()
                                  ORDER BY x.next_attempt_at LIMIT p_batch
                                  FOR UPDATE SKIP LOCKED))
        RETURNING o.id)
    SELECT array_agg(claimed.id) INTO v_ids FROM claimed;
    IF v_ids IS NULL THEN
        RETURN;
    END IF;
    -- What depends only on the event or the deadline (its times in its
    -- zone, its place, its description with the programme) is computed
    -- once per distinct event and deadline of the batch, not once per row:
    -- a batch of reminders is mostly one event, and cv_event_description
    -- (a SQL function calling another) is parsed and planned per call.
    RETURN QUERY
    WITH c AS MATERIALIZED (
        -- a subquery, not a join: one index lookup per row whatever the
        -- estimate of the array (a join chose to scan every registration)
        SELECT o.*, (SELECT r.event_id FROM registrations r
                      WHERE r.id = o.registration_id) AS reg_event_id
          FROM outbox o
         WHERE o.id = ANY (v_ids)),
    ev AS MATERIALIZED (
        SELECT e.*,
               CASE WHEN e.all_day THEN to_char(e.start_local, 'YYYY-MM-DD')
                    ELSE cv_format_local(e.start_at, e.tz) END AS x_start_fmt,
               CASE WHEN e.all_day THEN to_char(e.end_local - interval '1 day', 'YYYY-MM-DD')
                    ELSE cv_format_local(e.end_at, e.tz) END AS x_end_fmt,
               cv_place(e.venue, e.city, e.country) AS x_place,
               cv_event_description(e) AS x_description
          FROM events e
         WHERE e.id IN (SELECT COALESCE(c.event_id, c.reg_event_id) FROM c)),
    dl AS MATERIALIZED (
        SELECT d.*, cv_format_local(d.due_at, d.tz) AS x_due_fmt
          FROM deadlines d
         WHERE d.id IN (SELECT c.deadline_id FROM c))
    SELECT c.id, c.kind::text, c.channel::text, c.attempts::int,
           extract(epoch FROM c.due_at)::float8,
           c.recipient::text, c.recipient_name::text, c.language::text,
           c.dedupe_key::text, extract(epoch FROM c.created_at)::bigint,
           c.reminder_offset::text, p.name::text, e.id, e.title::text,
           e.x_start_fmt, e.x_end_fmt,
           e.tz::text,
           -- the recipient's own time only when their zone is known and
           -- differs: otherwise the mail would say the same time twice
           CASE WHEN p.tz IS NOT NULL AND p.tz <> COALESCE(d.tz, e.tz)
                     AND NOT COALESCE(e.all_day, false)
                THEN cv_format_local(COALESCE(d.due_at, e.start_at), p.tz) END,
           e.venue::text, e.city::text, e.country::text,
           e.x_place,
           r.token::text, p.feed_token::text, pr.title::text, d.title::text,
           d.x_due_fmt, d.tz::text, d.url::text,
           f.token::text,
           CASE WHEN r.id IS NOT NULL THEN cv_waitlist_rank(r) END,
           e.uid::text, e.sequence::int, e.kind::text,
           e.x_description,
           e.start_local::text, e.end_local::text,
           extract(epoch FROM e.start_at)::bigint,
           extract(epoch FROM e.end_at)::bigint, e.status::text,
           extract(epoch FROM e.created_at)::bigint,
           extract(epoch FROM e.updated_at)::bigint, e.all_day,
           c.itip_sequence::int,
           CASE WHEN c.inbound_id IS NULL
                THEN COALESCE(r.reply_token, f.reply_token) END::text,
           i.facts->>'from', i.facts->>'from_name', i.facts->>'subject',
           i.facts->>'text', i.id, i.rcpt::text, rp.name::text,
           rp.email::text, r.state::text, COALESCE(e.title, pr.title)::text,
           extract(epoch FROM d.due_at)::bigint,
           CASE WHEN p.tz IS NOT NULL AND p.tz <> COALESCE(d.tz, e.tz)
                     AND NOT COALESCE(e.all_day, false) THEN p.tz END,
           -- the QR code of the confirmation mail (checkin.sql)
           CASE WHEN r.state = 'confirmed' THEN r.checkin_token END::text,
           -- a reminder's programme still to come (programme_mail.sql)
           CASE WHEN c.kind = 'event_reminder' AND e.id IS NOT NULL
                THEN cv_programme_mail(e.id, c.due_at) END
      FROM c
      LEFT JOIN people p ON p.id = c.person_id
      LEFT JOIN registrations r ON r.id = c.registration_id
      LEFT JOIN people rp ON rp.id = r.person_id AND c.inbound_id IS NOT NULL
      LEFT JOIN inbound_messages i ON i.id = c.inbound_id
      LEFT JOIN ev e ON e.id = COALESCE(c.event_id, c.reg_event_id)
      LEFT JOIN dl d ON d.id = c.deadline_id
      -- c.project_id: a follow confirmation request (006_optin.sql)
      LEFT JOIN projects pr ON pr.id = COALESCE(e.project_id, d.project_id, c.project_id)
      LEFT JOIN deadline_followers f
             ON f.project_id = COALESCE(d.project_id, c.project_id)
            AND f.person_id = c.person_id
     ORDER BY c.next_attempt_at, c.id;
END
$$;

-- Seconds until the next pending row is due (NULL: none), for the
-- scheduler's timer.
CREATE OR REPLACE FUNCTION cv_outbox_next_due() RETURNS float8
LANGUAGE sql STABLE AS $$
    SELECT extract(epoch FROM min(next_attempt_at) - clock_timestamp())::float8
      FROM outbox WHERE state = 'pending'
$$;

-- Rows per kind and state, and the pending rows already due (kind '',
-- state 'due'), for /metrics.
CREATE OR REPLACE FUNCTION cv_outbox_counts()
RETURNS TABLE (kind text, state text, n bigint)
LANGUAGE sql STABLE AS $$
    SELECT o.kind::text, o.state::text, count(*) FROM outbox o GROUP BY 1, 2
    UNION ALL
    SELECT '', 'due', count(*) FROM outbox o
     WHERE o.state = 'pending' AND o.next_attempt_at <= now()
$$;
