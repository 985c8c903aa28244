-- privacy.sql - privacy by law (issue 12): retention per project, a
-- person's data export and erasure.  Anonymising keeps the rows that the
-- attendance report counts (a registration keeps its event, organisation
-- and state; its person becomes a row without email, name, zone or token)
-- and removes every copy of the personal data: the outbox's rows (recipient,
-- name, errors), follows, tokens and received mail.
--
-- Personal data lives in: people (email, name, tz, feed_token),
-- registrations (token), deadline_followers (token), outbox (recipient,
-- recipient_name, last_error), inbound_messages (mail_from, rcpt with a
-- reply token, facts, raw) and mail_addresses (bounce state by address).  A new table that stores an address or a token
-- must be added to cv_privacy_forget_mail (by address or token) and to
-- cv_privacy_export.

-- The received messages that are about any of ADDRS (addresses, compared
-- case-insensitively) or carry any of TOKENS (reply addresses are
-- local+token@domain, where the token is the reply token derived from a
-- registration's or follow's token, cv_reply_tokens_of; a message may quote
-- a token URL): envelope, facts and raw bytes are searched.
CREATE OR REPLACE FUNCTION cv_privacy_inbound_ids(p_addrs text[], p_tokens text[])
RETURNS SETOF bigint LANGUAGE sql STABLE AS $$
    SELECT m.id FROM inbound_messages m
     WHERE EXISTS (SELECT 1 FROM unnest(p_addrs) a(v)
                    WHERE a.v IS NOT NULL AND a.v <> ''
                      AND (lower(m.mail_from) = lower(a.v) OR m.rcpt = lower(a.v)
                           OR strpos(lower(m.facts::text), lower(a.v)) > 0
                           OR strpos(lower(encode(m.raw, 'escape')), lower(a.v)) > 0))
        OR EXISTS (SELECT 1 FROM unnest(p_tokens) t(v)
                    WHERE t.v IS NOT NULL AND t.v <> ''
                      AND (strpos(m.rcpt, lower(t.v)) > 0
                           OR EXISTS (SELECT 1 FROM unnest(cv_reply_tokens_of(t.v)) rt(v)
                                       WHERE strpos(m.rcpt, rt.v) > 0)
                           OR strpos(coalesce(m.mail_from, ''), t.v) > 0
                           OR strpos(m.facts::text, t.v) > 0
                           OR position(convert_to(t.v, 'UTF8') IN m.raw) > 0))
$$;

-- Forget the mail about ADDRS and TOKENS: received messages (and, when it
-- exists, the bounce state per address).  Returns how many rows went.
CREATE OR REPLACE FUNCTION cv_privacy_forget_mail(p_addrs text[], p_tokens text[])
RETURNS integer LANGUAGE plpgsql AS $$
DECLARE
    n integer;
BEGIN
    IF coalesce(cardinality(p_addrs), 0) + coalesce(cardinality(p_tokens), 0) = 0 THEN
        RETURN 0;
    END IF;
    DELETE FROM inbound_messages
     WHERE id IN (SELECT cv_privacy_inbound_ids(p_addrs, p_tokens));
    GET DIAGNOSTICS n = ROW_COUNT;
    -- the bounce state per address (sql/004_reply_tokens.sql)
    DELETE FROM mail_addresses
     WHERE address IN (SELECT lower(a) FROM unnest(p_addrs) a WHERE a IS NOT NULL);
    RETURN n;
END
$$;

-- The last instant of PROJECT: its last event's end or last deadline,
-- NULL when it has neither.
CREATE OR REPLACE FUNCTION cv_privacy_project_end(p_project bigint)
RETURNS timestamptz LANGUAGE sql STABLE AS $$
    SELECT greatest((SELECT max(end_at) FROM events WHERE project_id = p_project),
                    (SELECT max(due_at) FROM deadlines WHERE project_id = p_project))
$$;

-- Anonymise the participants of PROJECT: each person registered for one of
-- its events is replaced, in this project's registrations, by an
-- anonymous person of its own (one per person and project, so that
-- participants are still counted once per project); tokens, follows and
-- the project's outbox rows go, and so does mail about them.  A person
-- left with nothing elsewhere is deleted, with the mail from that address.
-- Returns the counts (also written to privacy_log when anything changed).
CREATE OR REPLACE FUNCTION cv_privacy_anonymise_project(p_project bigint)
RETURNS jsonb LANGUAGE plpgsql AS $$
DECLARE
    v_tokens text[];
    v_people bigint[];
    v_addrs text[];
    v_anon integer := 0;
    v_regs integer;
    v_follows integer;
    v_outbox integer;
    v_deleted integer;
    v_mail integer;
    v_p record;
    v_new bigint;
    res jsonb;
BEGIN
    PERFORM 1 FROM projects WHERE id = p_project FOR UPDATE;
    -- every token and person this project holds
    SELECT array_agg(DISTINCT r.token) FILTER (WHERE r.token IS NOT NULL),
           array_agg(DISTINCT r.person_id)
      INTO v_tokens, v_people
      FROM registrations r JOIN events e ON e.id = r.event_id
     WHERE e.project_id = p_project;
    SELECT coalesce(v_tokens, '{}') || coalesce(array_agg(f.token), '{}'),
           coalesce(v_people, '{}') || coalesce(array_agg(f.person_id), '{}')
      INTO v_tokens, v_people
      FROM deadline_followers f WHERE f.project_id = p_project;

    -- the outbox's rows about the project (rendered from them, so their
    -- copies of addresses and names, errors included, go with them)
    DELETE FROM outbox o
     WHERE o.project_id = p_project  -- follow confirmation requests (006_optin.sql)
        OR o.event_id IN (SELECT id FROM events WHERE project_id = p_project)
        OR o.deadline_id IN (SELECT id FROM deadlines WHERE project_id = p_project)
        OR o.registration_id IN (SELECT r.id FROM registrations r
                                   JOIN events e ON e.id = r.event_id
                                  WHERE e.project_id = p_project);
    GET DIAGNOSTICS v_outbox = ROW_COUNT;

    DELETE FROM deadline_followers WHERE project_id = p_project;
    GET DIAGNOSTICS v_follows = ROW_COUNT;

    -- registrations: an anonymous person per living person
    -- (the organisation stays: a town hall is not personal data, and the
    -- evidence pack counts organisations and countries after retention)
    FOR v_p IN SELECT DISTINCT p.id, p.role, p.language, p.organisation_id
               FROM registrations r JOIN events e ON e.id = r.event_id
               JOIN people p ON p.id = r.person_id
              WHERE e.project_id = p_project AND p.anonymised_at IS NULL
    LOOP
        INSERT INTO people (email, name, organisation_id, role, language, tz,
                            feed_token, anonymised_at)
        VALUES (NULL, NULL, v_p.organisation_id, v_p.role, v_p.language, NULL, NULL, now())
        RETURNING id INTO v_new;
        UPDATE registrations r SET person_id = v_new, updated_at = now()
          FROM events e
         WHERE e.id = r.event_id AND e.project_id = p_project AND r.person_id = v_p.id;
        v_anon := v_anon + 1;
    END LOOP;
    UPDATE registrations r SET token = NULL, given_tz = NULL, updated_at = now()
      FROM events e
     WHERE e.id = r.event_id AND e.project_id = p_project
       AND (r.token IS NOT NULL OR r.given_tz IS NOT NULL);
    GET DIAGNOSTICS v_regs = ROW_COUNT;

    -- people this project was the last reason to keep
    SELECT array_agg(p.email) INTO v_addrs
      FROM people p
     WHERE p.id = ANY (v_people) AND p.anonymised_at IS NULL
       AND NOT EXISTS (SELECT 1 FROM registrations r WHERE r.person_id = p.id)
       AND NOT EXISTS (SELECT 1 FROM deadline_followers f WHERE f.person_id = p.id)
       AND NOT EXISTS (SELECT 1 FROM outbox x WHERE x.person_id = p.id);
    SELECT v_tokens || coalesce(array_agg(p.feed_token), '{}') INTO v_tokens
      FROM people p WHERE lower(p.email) = ANY (SELECT lower(a) FROM unnest(v_addrs) a);
    v_mail := cv_privacy_forget_mail(coalesce(v_addrs, '{}'), v_tokens);
    DELETE FROM people p
     WHERE lower(p.email) = ANY (SELECT lower(a) FROM unnest(v_addrs) a);
    GET DIAGNOSTICS v_deleted = ROW_COUNT;

    res := jsonb_build_object('people_anonymised', v_anon,
                              'people_deleted', v_deleted,
                              'registrations', v_regs,
                              'follows_removed', v_follows,
                              'outbox_removed', v_outbox,
                              'inbound_removed', v_mail);
    UPDATE projects SET anonymised_at = now() WHERE id = p_project;
    IF v_anon + v_deleted + v_regs + v_follows + v_outbox + v_mail > 0 THEN
        INSERT INTO privacy_log (action, project_id, counts)
        VALUES ('retention', p_project, res);
    END IF;
    RETURN res;
END
$$;

-- Retention: anonymise every project (or only the project SLUG) whose last
-- event or deadline ended more than AFTER ago.  A run over every project
-- also deletes received mail older than AFTER (mail from strangers, bounces
-- for unknown addresses: kept no longer than anything else) and people
-- that nothing refers to any more, created more than AFTER ago.  One daemon
-- at a time: the run takes a transaction-level advisory lock and answers
-- {"skipped": true} when another run holds it.  CV404 for an unknown slug.
CREATE OR REPLACE FUNCTION cv_privacy_retention_run(p_after interval, p_slug text)
RETURNS jsonb LANGUAGE plpgsql AS $$
DECLARE
    pr record;
    v_end timestamptz;
    v_out jsonb := '[]';
    v_inbound integer := 0;
    v_people integer := 0;
BEGIN
    IF p_slug IS NOT NULL AND NOT EXISTS (SELECT 1 FROM projects WHERE slug = p_slug) THEN
        RAISE EXCEPTION USING ERRCODE = 'CV404', COLUMN = 'project',
            MESSAGE = format('field project: no project %L', p_slug);
    END IF;
    IF p_after IS NULL OR p_after < interval '0' THEN
        RAISE EXCEPTION USING ERRCODE = 'CV422', COLUMN = 'after',
            MESSAGE = 'field after: a duration of zero or more';
    END IF;
    IF NOT pg_try_advisory_xact_lock(hashtext('convened:retention')) THEN
        RETURN jsonb_build_object('skipped', true, 'projects', '[]'::jsonb);
    END IF;
    FOR pr IN SELECT id, slug FROM projects
               WHERE p_slug IS NULL OR slug = p_slug ORDER BY id
    LOOP
        v_end := cv_privacy_project_end(pr.id);
        CONTINUE WHEN v_end IS NULL OR v_end + p_after > now();
        v_out := v_out || jsonb_build_array(
            jsonb_build_object('project', pr.slug,
                               'ended', to_char(v_end AT TIME ZONE 'UTC',
                                                'YYYY-MM-DD"T"HH24:MI:SS"Z"'))
            || cv_privacy_anonymise_project(pr.id));
    END LOOP;
    IF p_slug IS NULL THEN
        DELETE FROM inbound_messages WHERE received_at < now() - p_after;
        GET DIAGNOSTICS v_inbound = ROW_COUNT;
        DELETE FROM people p
         WHERE p.anonymised_at IS NULL AND p.created_at < now() - p_after
           AND NOT EXISTS (SELECT 1 FROM registrations r WHERE r.person_id = p.id)
           AND NOT EXISTS (SELECT 1 FROM deadline_followers f WHERE f.person_id = p.id)
           AND NOT EXISTS (SELECT 1 FROM outbox x WHERE x.person_id = p.id);
        GET DIAGNOSTICS v_people = ROW_COUNT;
        IF v_inbound + v_people > 0 THEN
            INSERT INTO privacy_log (action, counts)
            VALUES ('retention', jsonb_build_object('inbound_expired', v_inbound,
                                                    'people_unused', v_people));
        END IF;
    END IF;
    RETURN jsonb_build_object('skipped', false, 'projects', v_out,
                              'inbound_expired', v_inbound, 'people_unused', v_people);
END
$$;

-- The person with EMAIL (case-insensitively), or NULL.
CREATE OR REPLACE FUNCTION cv_privacy_person(p_email text)
RETURNS people LANGUAGE sql STABLE AS $$
    SELECT * FROM people WHERE lower(email) = lower(p_email) AND anonymised_at IS NULL
$$;

-- The tokens of person P: feed, registrations, follows.
CREATE OR REPLACE FUNCTION cv_privacy_tokens(p people)
RETURNS text[] LANGUAGE sql STABLE AS $$
    SELECT array_remove(ARRAY[p.feed_token]
        || ARRAY(SELECT token FROM registrations WHERE person_id = p.id AND token IS NOT NULL)
        || ARRAY(SELECT token FROM deadline_followers WHERE person_id = p.id), NULL)
$$;

-- Everything stored about EMAIL, table by table, each row whole (bytea as
-- hex), plus the names of the events and projects the rows refer to.
-- An unknown address gives empty tables (received mail is still searched).
CREATE OR REPLACE FUNCTION cv_privacy_export(p_email text)
RETURNS jsonb LANGUAGE plpgsql STABLE AS $$
DECLARE
    p people;
    v_tokens text[];
BEGIN
    IF p_email IS NULL OR p_email !~ '@' THEN
        RAISE EXCEPTION USING ERRCODE = 'CV422', COLUMN = 'email',
            MESSAGE = 'field email: an email address';
    END IF;
    p := cv_privacy_person(p_email);
    v_tokens := CASE WHEN p.id IS NULL THEN '{}' ELSE cv_privacy_tokens(p) END;
    RETURN jsonb_build_object(
        'email', p_email,
        'exported_at', to_char(now() AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS"Z"'),
        'tables', jsonb_build_object(
            'people', coalesce((SELECT jsonb_agg(to_jsonb(x)) FROM people x
                                 WHERE x.id = p.id), '[]'),
            'organisations', coalesce((SELECT jsonb_agg(to_jsonb(x)) FROM organisations x
                                        WHERE x.id = p.organisation_id
                                           OR x.id IN (SELECT organisation_id FROM registrations
                                                        WHERE person_id = p.id)), '[]'),
            'registrations', coalesce((SELECT jsonb_agg(to_jsonb(x) || jsonb_build_object(
                                                 'event_title', e.title, 'project', pr.slug)
                                                 ORDER BY x.id)
                                         FROM registrations x
                                         JOIN events e ON e.id = x.event_id
                                         JOIN projects pr ON pr.id = e.project_id
                                        WHERE x.person_id = p.id), '[]'),
            'answers', coalesce((SELECT jsonb_agg(to_jsonb(x) || jsonb_build_object('question', q.key)
                                                  ORDER BY x.registration_id, q.position, q.id)
                                   FROM answers x
                                   JOIN questions q ON q.id = x.question_id
                                   JOIN registrations r ON r.id = x.registration_id
                                  WHERE r.person_id = p.id), '[]'),
            'attendance', coalesce((SELECT jsonb_agg(to_jsonb(x) ORDER BY x.registration_id, x.day)
                                      FROM attendance x
                                      JOIN registrations r ON r.id = x.registration_id
                                     WHERE r.person_id = p.id), '[]'),
            'deadline_followers', coalesce((SELECT jsonb_agg(to_jsonb(x) || jsonb_build_object(
                                                      'project', pr.slug))
                                              FROM deadline_followers x
                                              JOIN projects pr ON pr.id = x.project_id
                                             WHERE x.person_id = p.id), '[]'),
            'outbox', coalesce((SELECT jsonb_agg(to_jsonb(x) ORDER BY x.id) FROM outbox x
                                 WHERE x.person_id = p.id
                                    OR lower(x.recipient) = lower(p_email)), '[]'),
            'inbound_messages', coalesce((SELECT jsonb_agg(to_jsonb(x) ORDER BY x.id)
                                            FROM inbound_messages x
                                           WHERE x.id IN (SELECT cv_privacy_inbound_ids(
                                                              ARRAY[p_email], v_tokens))), '[]'),
            'mail_addresses', coalesce((SELECT jsonb_agg(to_jsonb(x)) FROM mail_addresses x
                                         WHERE x.address = lower(p_email)), '[]')));
END
$$;

-- Erase EMAIL on request: registrations for events that have not ended
-- are cancelled (seats go to the waiting list; no mail is sent to the
-- erased address), the person becomes anonymous (registrations keep
-- counting), tokens, follows, the outbox's rows to the address and mail
-- about it are deleted.  Returns the counts; an unknown address still has
-- its received mail erased.
CREATE OR REPLACE FUNCTION cv_privacy_erase(p_email text)
RETURNS jsonb LANGUAGE plpgsql AS $$
DECLARE
    p people;
    v_tokens text[];
    v_cancelled integer := 0;
    v_outbox integer := 0;
    v_follows integer := 0;
    v_regs integer := 0;
    v_mail integer;
    r record;
    res jsonb;
BEGIN
    IF p_email IS NULL OR p_email !~ '@' THEN
        RAISE EXCEPTION USING ERRCODE = 'CV422', COLUMN = 'email',
            MESSAGE = 'field email: an email address';
    END IF;
    p := cv_privacy_person(p_email);
    IF p.id IS NOT NULL THEN
        PERFORM 1 FROM people WHERE id = p.id FOR UPDATE;
        FOR r IN SELECT x.id FROM registrations x JOIN events e ON e.id = x.event_id
                  WHERE x.person_id = p.id AND x.state <> 'cancelled' AND e.end_at > now()
                  ORDER BY x.id
        LOOP
            PERFORM cv_cancel_registration(NULL, r.id);
            v_cancelled := v_cancelled + 1;
        END LOOP;
        v_tokens := cv_privacy_tokens(p);
        DELETE FROM outbox WHERE person_id = p.id OR lower(recipient) = lower(p_email);
        GET DIAGNOSTICS v_outbox = ROW_COUNT;
        DELETE FROM deadline_followers WHERE person_id = p.id;
        GET DIAGNOSTICS v_follows = ROW_COUNT;
        UPDATE registrations SET token = NULL, given_tz = NULL, updated_at = now()
         WHERE person_id = p.id;
        GET DIAGNOSTICS v_regs = ROW_COUNT;
        UPDATE people SET email = NULL, name = NULL, tz = NULL, feed_token = NULL,
                          organisation_id = NULL, anonymised_at = now(), updated_at = now()
         WHERE id = p.id;
    ELSE
        DELETE FROM outbox WHERE lower(recipient) = lower(p_email);
        GET DIAGNOSTICS v_outbox = ROW_COUNT;
    END IF;
    v_mail := cv_privacy_forget_mail(ARRAY[p_email], coalesce(v_tokens, '{}'));
    res := jsonb_build_object('found', p.id IS NOT NULL,
                              'registrations_cancelled', v_cancelled,
                              'registrations', v_regs,
                              'follows_removed', v_follows,
                              'outbox_removed', v_outbox,
                              'inbound_removed', v_mail);
    INSERT INTO privacy_log (action, counts) VALUES ('erasure', res);
    RETURN res;
END
$$;

-- A notification to an anonymised person (an event of a finished project
-- edited or cancelled later, a reminder rule changed) has no address: it
-- is not written, wherever it comes from, instead of failing the change
-- that caused it.
CREATE OR REPLACE FUNCTION cv_outbox_skip_anonymised() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    RETURN NULL;
END
$$;

CREATE OR REPLACE TRIGGER outbox_skip_anonymised BEFORE INSERT ON outbox
    FOR EACH ROW WHEN (NEW.recipient IS NULL) EXECUTE FUNCTION cv_outbox_skip_anonymised();
