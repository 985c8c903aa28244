-- console.sql - the two calls the console (web/admin/) needed that the API
-- did not have: editing a project, and judging a typed-in local time the
-- way an event's or deadline's write will judge it (DST gap refused,
-- repeated hour warned), before anything is saved.

-- PATCH /api/projects/{slug}: any of title, programme, description,
-- language (the slug stays: it is in every feed's and page's address).
-- NULL when there is no such project.
CREATE OR REPLACE FUNCTION cv_project_update(p_slug text, body jsonb) RETURNS json
LANGUAGE plpgsql AS $$
DECLARE
    p projects;
BEGIN
    UPDATE projects SET
        title = coalesce(body->>'title', title),
        programme = CASE WHEN body ? 'programme' THEN coalesce(body->>'programme', '')
                         ELSE programme END,
        description = CASE WHEN body ? 'description' THEN coalesce(body->>'description', '')
                           ELSE description END,
        language = coalesce((body->>'language')::person_lang, language),
        updated_at = now()
    WHERE slug = p_slug
    RETURNING * INTO p;
    IF p.id IS NULL THEN
        RETURN NULL;
    END IF;
    RETURN cv_project_json(p);
END $$;

-- GET /api/local-time?local=&tz=&field=: LOCAL (YYYY-MM-DDTHH:MM[:SS]) in
-- TZ as FIELD of an event or deadline would be read: {"time": {local, tz,
-- utc, ambiguous}, "warnings": [...]}, or the same 422 (naming FIELD or
-- tz) the write would answer.
CREATE OR REPLACE FUNCTION cv_local_time_check(p_local text, p_tz text, p_field text)
RETURNS json
LANGUAGE plpgsql STABLE AS $$
DECLARE
    loc timestamp;
    r record;
BEGIN
    IF NOT cv_zone_known(p_tz) THEN
        PERFORM cv_fail(422, 'tz', format('field tz: unknown time zone %L: an IANA name such as Europe/Rome is expected', p_tz));
    END IF;
    loc := cv_parse_local(jsonb_build_object(p_field, p_local), p_field, false);
    SELECT * INTO r FROM cv_event_instant(loc, p_tz, p_field, false, ARRAY[]::text[]);
    RETURN json_build_object('time', cv_time_json(loc, p_tz, r.utc),
                             'warnings', to_json(coalesce(r.w, ARRAY[]::text[])));
END $$;
