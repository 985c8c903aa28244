-- inbound_read.sql - what the admin API reads of the mail that came back:
-- what came in, what was decided and why.  One function per read; C checks
-- the request's values, passes them through and returns the JSON.

-- Whom a received message concerns, found by the reply token of its
-- recipient (<local>+<token>@<domain>) as cv_inbound_decide finds it: the
-- person, the event (a registration's) and the project (a registration's
-- event's, or a follow's); each null when the token names nothing.
CREATE OR REPLACE FUNCTION cv_inbound_about(m inbound_messages)
RETURNS jsonb
LANGUAGE sql STABLE AS $$
    WITH tag AS (
        SELECT substring(lower(btrim(m.rcpt, '<> ')) FROM '^[^+@]*\+([0-9a-f]{32})@') AS t),
    reg AS (
        SELECT p.id AS pid, p.name, p.email, e.id AS eid, e.title, pr.slug
          FROM tag JOIN registrations r ON r.reply_token = tag.t
          JOIN people p ON p.id = r.person_id
          JOIN events e ON e.id = r.event_id
          JOIN projects pr ON pr.id = e.project_id),
    fol AS (
        SELECT p.id AS pid, p.name, p.email, pr.slug
          FROM tag JOIN deadline_followers f ON f.reply_token = tag.t
          JOIN people p ON p.id = f.person_id
          JOIN projects pr ON pr.id = f.project_id),
    who AS (SELECT pid, name, email, slug FROM reg
            UNION ALL SELECT pid, name, email, slug FROM fol)
    SELECT jsonb_build_object(
        'person', (SELECT jsonb_build_object('id', pid, 'name', name, 'email', email)
                     FROM who LIMIT 1),
        'event', (SELECT jsonb_build_object('id', eid, 'title', title) FROM reg LIMIT 1),
        'project', (SELECT slug FROM who LIMIT 1))
$$;

-- One row of inbound_messages as the API shows it in a list: who wrote to
-- which address, what the parser found (class, From:, Subject:), what was
-- decided and why, and whom it concerns (cv_inbound_about).  Times in UTC.
CREATE OR REPLACE FUNCTION cv_inbound_json(m inbound_messages)
RETURNS jsonb
LANGUAGE sql STABLE AS $$
    SELECT jsonb_build_object(
        'id', m.id,
        'received_at', cv_iso_utc(m.received_at),
        'source', m.source,
        'mail_from', m.mail_from,
        'rcpt', m.rcpt,
        'message_id', m.message_id,
        'class', m.class,
        'from', m.facts->>'from',
        'subject', m.facts->>'subject',
        'size', m.size,
        'raw_kept', m.raw IS NOT NULL,
        'decision', m.decision,
        'reason', m.reason,
        'decided_at', cv_iso_utc(m.decided_at)) || cv_inbound_about(m)
$$;

-- GET /api/inbound: up to p_limit messages, newest first, of a class, a
-- decision, received at or after p_since, to recipient p_rcpt (any case)
-- and with an id below p_before (NULL: any), as
-- {"inbound": [...], "count": n, "next_before": id or null}; next_before
-- is the p_before of the next (older) page, null on the last page.
CREATE OR REPLACE FUNCTION cv_inbound_list(p_class text, p_decision text,
                                           p_since timestamptz, p_rcpt text,
                                           p_before bigint, p_limit int)
RETURNS json
LANGUAGE sql STABLE AS $$
    WITH page AS (
        SELECT m.id, cv_inbound_json(m) AS j
          FROM inbound_messages m
         WHERE (p_class IS NULL OR m.class = p_class)
           AND (p_decision IS NULL OR m.decision = p_decision)
           AND (p_since IS NULL OR m.received_at >= p_since)
           AND (p_rcpt IS NULL OR m.rcpt = lower(p_rcpt))
           AND (p_before IS NULL OR m.id < p_before)
         ORDER BY m.id DESC
         LIMIT p_limit + 1),
    shown AS (SELECT * FROM page ORDER BY id DESC LIMIT p_limit)
    SELECT json_build_object(
        'inbound', COALESCE((SELECT json_agg(j ORDER BY id DESC) FROM shown), '[]'),
        'count', (SELECT count(*) FROM shown),
        'next_before', CASE WHEN (SELECT count(*) FROM page) > p_limit
                            THEN (SELECT min(id) FROM shown) END)
$$;

-- The instant a since= value names: an ISO 8601 duration back from now
-- ("P1D", "PT2H") or an instant with its offset ("2026-12-03T09:00:00Z").
-- C has checked the form; NULL stays NULL.
CREATE OR REPLACE FUNCTION cv_inbound_since(p_since text)
RETURNS timestamptz
LANGUAGE sql STABLE AS $$
    SELECT CASE WHEN p_since IS NULL THEN NULL
                WHEN p_since LIKE 'P%' THEN now() - p_since::interval
                ELSE p_since::timestamptz END
$$;

-- GET /api/inbound/{id}: the row with everything the parser found (facts)
-- and, when the message's bytes were kept, the path of the raw message;
-- NULL for an unknown id.
CREATE OR REPLACE FUNCTION cv_inbound_get(p_id bigint)
RETURNS json
LANGUAGE sql STABLE AS $$
    SELECT (cv_inbound_json(m) || jsonb_build_object(
               'facts', m.facts,
               'raw', CASE WHEN m.raw IS NOT NULL
                           THEN format('/api/inbound/%s/raw', m.id) END))::json
      FROM inbound_messages m
     WHERE m.id = p_id
$$;

-- GET /api/inbound/{id}/raw: the message as received (raw NULL when it
-- was over [inbound] keep_raw_max); no row for an unknown id.
CREATE OR REPLACE FUNCTION cv_inbound_raw(p_id bigint)
RETURNS TABLE (id bigint, size bigint, raw bytea)
LANGUAGE sql STABLE AS $$
    SELECT m.id, m.size, m.raw FROM inbound_messages m WHERE m.id = p_id
$$;
