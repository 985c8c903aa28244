-- 006_unsubscribe.sql - stop following a project's deadlines through the
-- secret link in every deadline reminder (List-Unsubscribe, RFC 8058).

-- What the unsubscribe page shows for TOKEN (no row: unknown token).
CREATE FUNCTION cv_follow_view(p_token text)
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
CREATE FUNCTION cv_unfollow(p_token text,
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
