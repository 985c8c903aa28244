-- followers.sql - following a project's deadlines by email, with double
-- opt-in: a follow made here counts (reminders, personal feed) only once
-- its address confirmed it by a POST from the page its mail links to;
-- unconfirmed follows expire after optin_settings.follow_expire_after.
-- Stopping goes through the secret link in every deadline reminder
-- (List-Unsubscribe, RFC 8058).

-- Remove unconfirmed follows older than the setting.  Returns how many.
CREATE OR REPLACE FUNCTION cv_follow_expire() RETURNS integer
LANGUAGE plpgsql AS $$
DECLARE
    n integer;
BEGIN
    DELETE FROM deadline_followers f
     WHERE f.confirmed_at IS NULL
       AND f.created_at < now() - (SELECT follow_expire_after FROM optin_settings);
    GET DIAGNOSTICS n = ROW_COUNT;
    RETURN n;
END
$$;

-- Queue the confirmation request for the follow of PERSON to PROJECT: one
-- per transaction (a repeated request sends it again).
CREATE OR REPLACE FUNCTION cv_follow_notify(p_project bigint, p_person bigint) RETURNS void
LANGUAGE sql AS $$
    INSERT INTO outbox (kind, recipient, recipient_name, language, person_id,
                        project_id, dedupe_key)
    SELECT 'follow_confirm_request', p.email, p.name, p.language, p.id, p_project,
           'follow:' || p_project || ':' || p.id || ':' || txid_current()
      FROM people p WHERE p.id = p_person
    ON CONFLICT (dedupe_key) DO NOTHING
$$;

-- Ask to follow a project's deadlines by email: an unconfirmed follow and
-- a confirmation request in the outbox.  Asking again while unconfirmed
-- sends the request again; a confirmed follow is left as it is (no mail).
-- Returns the follower row's token and whether it is new; the public
-- answer must not tell the two apart.
CREATE OR REPLACE FUNCTION cv_follow(p_slug text, p_email text, p_name text, p_lang text,
                          p_token text, p_feed_token text,
                          OUT person_id bigint, OUT follow_token text, OUT created boolean)
LANGUAGE plpgsql AS $$
DECLARE
    v_project bigint;
    v_confirmed timestamptz;
BEGIN
    SELECT id INTO v_project FROM projects WHERE slug = p_slug;
    IF NOT FOUND THEN
        RAISE EXCEPTION USING ERRCODE = 'CV404', COLUMN = 'project',
            MESSAGE = format('field project: no project %L', p_slug);
    END IF;
    PERFORM cv_follow_expire();
    person_id := cv_person_find(p_email, p_name, NULL, NULL, p_lang::person_lang,
                                p_feed_token);
    INSERT INTO deadline_followers (project_id, person_id, token, confirmed_at)
    VALUES (v_project, person_id, p_token, NULL)
    ON CONFLICT DO NOTHING
    RETURNING token INTO follow_token;
    created := follow_token IS NOT NULL;
    IF NOT created THEN
        SELECT f.token, f.confirmed_at INTO follow_token, v_confirmed
          FROM deadline_followers f
         WHERE f.project_id = v_project AND f.person_id = cv_follow.person_id;
    END IF;
    -- at most one request per address and project per interval, and a
    -- daily cap per address, over every daemon (sql/functions/throttle.sql)
    IF v_confirmed IS NULL AND cv_mail_allow(p_email, 'follow:' || v_project) THEN
        PERFORM cv_follow_notify(v_project, person_id);
    END IF;
END
$$;

-- What the follow page shows for TOKEN (no row: unknown or expired token).
CREATE OR REPLACE FUNCTION cv_follow_view(p_token text)
RETURNS TABLE (project_title text, language person_lang, confirmed boolean)
LANGUAGE sql STABLE AS $$
    SELECT pr.title, p.language, f.confirmed_at IS NOT NULL
      FROM deadline_followers f
      JOIN projects pr ON pr.id = f.project_id
      JOIN people p ON p.id = f.person_id
     WHERE f.token = p_token
       AND (f.confirmed_at IS NOT NULL
            OR f.created_at >= now() - (SELECT follow_expire_after FROM optin_settings))
$$;

-- Confirm the follow of TOKEN and schedule the reminders of the project's
-- published deadlines still ahead, in one transaction.  CHANGED is false
-- when it was confirmed already; CV404 for an unknown or expired token.
CREATE OR REPLACE FUNCTION cv_follow_confirm(p_token text,
                            OUT project_title text, OUT language person_lang,
                            OUT changed boolean)
LANGUAGE plpgsql AS $$
DECLARE
    f deadline_followers%ROWTYPE;
    d record;
BEGIN
    SELECT * INTO f FROM deadline_followers x WHERE x.token = p_token FOR UPDATE;
    IF NOT FOUND OR (f.confirmed_at IS NULL AND f.created_at <
                     now() - (SELECT follow_expire_after FROM optin_settings)) THEN
        RAISE EXCEPTION USING ERRCODE = 'CV404', COLUMN = 'token',
            MESSAGE = 'field token: this link is not valid (any more)';
    END IF;
    changed := f.confirmed_at IS NULL;
    IF changed THEN
        UPDATE deadline_followers x SET confirmed_at = now() WHERE x.token = p_token;
        FOR d IN SELECT id FROM deadlines
                  WHERE project_id = f.project_id AND status = 'published'
                    AND due_at > now()
        LOOP
            PERFORM cv_schedule_deadline_reminders(d.id);
        END LOOP;
    END IF;
    SELECT pr.title, p.language INTO project_title, language
      FROM projects pr, people p WHERE pr.id = f.project_id AND p.id = f.person_id;
END
$$;

-- Remove the follow (confirmed or not) and cancel its pending deadline
-- reminders, in one transaction.  Returns the project's title; CV404 for
-- an unknown token.
CREATE OR REPLACE FUNCTION cv_unfollow(p_token text,
                            OUT project_title text, OUT language person_lang)
LANGUAGE plpgsql AS $$
DECLARE
    v_project bigint;
    v_person bigint;
BEGIN
    DELETE FROM deadline_followers f WHERE f.token = p_token
    RETURNING f.project_id, f.person_id INTO v_project, v_person;
    IF NOT FOUND THEN
        RAISE EXCEPTION USING ERRCODE = 'CV404', COLUMN = 'token',
            MESSAGE = 'field token: this link is not valid (any more)';
    END IF;
    UPDATE outbox o SET state = 'cancelled', updated_at = now()
     WHERE o.state = 'pending' AND o.kind IN ('deadline_reminder', 'follow_confirm_request')
       AND o.person_id = v_person
       AND (o.project_id = v_project
            OR o.deadline_id IN (SELECT d.id FROM deadlines d WHERE d.project_id = v_project));
    SELECT pr.title, p.language INTO project_title, language
      FROM projects pr, people p WHERE pr.id = v_project AND p.id = v_person;
END
$$;

-- The secretariat's view of a project's followers (P_SLUG; unknown ->
-- 404): person, address, language, since when, confirmed or not; newest
-- person first, up to p_limit with a person id below p_before (NULL: any),
-- as {"followers": [...], "count": n, "next_before": id or null}.
CREATE OR REPLACE FUNCTION cv_follower_list(p_slug text, p_before bigint, p_limit int)
RETURNS json
LANGUAGE plpgsql STABLE AS $$
DECLARE
    v_project bigint := cv_project_id(p_slug, 'project', 404);
    res json;
BEGIN
    WITH page AS (
        SELECT p.id AS person, p.name, p.email, p.language,
               cv_iso_utc(f.created_at) AS since,
               f.confirmed_at IS NOT NULL AS confirmed
          FROM deadline_followers f JOIN people p ON p.id = f.person_id
         WHERE f.project_id = v_project
           AND (p_before IS NULL OR p.id < p_before)
         ORDER BY p.id DESC
         LIMIT p_limit + 1),
    shown AS (SELECT * FROM page ORDER BY person DESC LIMIT p_limit)
    SELECT json_build_object(
        'followers', COALESCE((SELECT json_agg(x ORDER BY x.person DESC) FROM shown x), '[]'),
        'count', (SELECT count(*) FROM shown),
        'next_before', CASE WHEN (SELECT count(*) FROM page) > p_limit
                            THEN (SELECT min(person) FROM shown) END)
      INTO res;
    RETURN res;
END
$$;

-- Remove PERSON's follow of project P_SLUG on the secretariat's behalf,
-- as the person's own unsubscribe link would: the follow goes, and their
-- pending deadline reminders and confirmation request of the project are
-- cancelled.  404 when there is no such follow.
CREATE OR REPLACE FUNCTION cv_follower_remove(p_slug text, p_person bigint)
RETURNS json
LANGUAGE plpgsql AS $$
DECLARE
    v_project bigint := cv_project_id(p_slug, 'project', 404);
    v_token text;
    v_title text;
BEGIN
    SELECT f.token INTO v_token FROM deadline_followers f
     WHERE f.project_id = v_project AND f.person_id = p_person;
    IF NOT FOUND THEN
        RAISE EXCEPTION USING ERRCODE = 'CV404', COLUMN = 'person',
            MESSAGE = format('field person: person %s does not follow project %s',
                             p_person, p_slug);
    END IF;
    SELECT project_title INTO v_title FROM cv_unfollow(v_token);
    RETURN json_build_object('project', p_slug, 'person', p_person, 'removed', true);
END
$$;
