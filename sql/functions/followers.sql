-- followers.sql - following a project's deadlines by email, and
-- stopping through the secret link in every deadline reminder
-- (List-Unsubscribe, RFC 8058).

-- Follow a project's deadlines by email.  Returns the follower row's token
-- and whether it is new.
CREATE OR REPLACE FUNCTION cv_follow(p_slug text, p_email text, p_name text, p_lang text,
                          p_token text, p_feed_token text,
                          OUT person_id bigint, OUT follow_token text, OUT created boolean)
LANGUAGE plpgsql AS $$
DECLARE
    v_project bigint;
    d record;
BEGIN
    SELECT id INTO v_project FROM projects WHERE slug = p_slug;
    IF NOT FOUND THEN
        RAISE EXCEPTION USING ERRCODE = 'CV404', COLUMN = 'project',
            MESSAGE = format('field project: no project %L', p_slug);
    END IF;
    person_id := cv_person_find(p_email, p_name, NULL, 'other', p_lang::person_lang,
                                p_feed_token);
    INSERT INTO deadline_followers (project_id, person_id, token)
    VALUES (v_project, person_id, p_token)
    ON CONFLICT DO NOTHING
    RETURNING token INTO follow_token;
    created := follow_token IS NOT NULL;
    IF NOT created THEN
        SELECT f.token INTO follow_token FROM deadline_followers f
         WHERE f.project_id = v_project AND f.person_id = cv_follow.person_id;
    END IF;
    IF created THEN
        FOR d IN SELECT id FROM deadlines
                  WHERE project_id = v_project AND status = 'published' AND due_at > now()
        LOOP
            PERFORM cv_schedule_deadline_reminders(d.id);
        END LOOP;
    END IF;
END
$$;

-- What the unsubscribe page shows for TOKEN (no row: unknown token).
CREATE OR REPLACE FUNCTION cv_follow_view(p_token text)
RETURNS TABLE (project_title text, language person_lang)
LANGUAGE sql STABLE AS $$
    SELECT pr.title, p.language
      FROM deadline_followers f
      JOIN projects pr ON pr.id = f.project_id
      JOIN people p ON p.id = f.person_id
     WHERE f.token = p_token
$$;

-- Remove the follow and cancel its pending deadline reminders, in one
-- transaction.  Returns the project's title; CV404 for an unknown token.
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
     WHERE o.state = 'pending' AND o.kind = 'deadline_reminder'
       AND o.person_id = v_person
       AND o.deadline_id IN (SELECT d.id FROM deadlines d WHERE d.project_id = v_project);
    SELECT pr.title, p.language INTO project_title, language
      FROM projects pr, people p WHERE pr.id = v_project AND p.id = v_person;
END
$$;
