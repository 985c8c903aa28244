-- projects.sql - the admin writes and reads of projects and
-- organisations: one SQL function per API call.

CREATE OR REPLACE FUNCTION cv_project_json(p projects) RETURNS json
LANGUAGE sql STABLE AS $$
    SELECT json_build_object('id', p.id, 'slug', p.slug, 'title', p.title,
        'programme', p.programme, 'description', p.description, 'language', p.language,
        'created_at', cv_iso_utc(p.created_at), 'updated_at', cv_iso_utc(p.updated_at))
$$;

CREATE OR REPLACE FUNCTION cv_project_create(body jsonb) RETURNS json
LANGUAGE plpgsql AS $$
DECLARE
    p projects;
BEGIN
    INSERT INTO projects (slug, title, programme, description, language)
    VALUES (body->>'slug', body->>'title', coalesce(body->>'programme', ''),
            coalesce(body->>'description', ''),
            coalesce(body->>'language', 'en')::person_lang)
    ON CONFLICT (slug) DO NOTHING
    RETURNING * INTO p;
    IF p.id IS NULL THEN
        PERFORM cv_fail(409, 'slug', format('field slug: a project %L already exists', body->>'slug'));
    END IF;
    RETURN cv_project_json(p);
END $$;

CREATE OR REPLACE FUNCTION cv_project_id(slug text, field text DEFAULT 'project', status integer DEFAULT 422)
RETURNS bigint LANGUAGE plpgsql STABLE AS $$
DECLARE
    i bigint;
BEGIN
    SELECT id INTO i FROM projects p WHERE p.slug = cv_project_id.slug;
    IF i IS NULL THEN
        PERFORM cv_fail(status, field, format('field %s: no project %L', field, slug));
    END IF;
    RETURN i;
END $$;

-- A project with its events and deadlines; NULL when there is none.
CREATE OR REPLACE FUNCTION cv_project_get(p_slug text) RETURNS json
LANGUAGE sql STABLE AS $$
    SELECT json_build_object('id', p.id, 'slug', p.slug, 'title', p.title,
        'programme', p.programme, 'description', p.description, 'language', p.language,
        'created_at', cv_iso_utc(p.created_at), 'updated_at', cv_iso_utc(p.updated_at),
        'events', (SELECT coalesce(json_agg(cv_event_json(e) ORDER BY e.start_at, e.id), '[]')
                   FROM events e WHERE e.project_id = p.id),
        'deadlines', (SELECT coalesce(json_agg(cv_deadline_json(d) ORDER BY d.due_at, d.id), '[]')
                      FROM deadlines d WHERE d.project_id = p.id))
    FROM projects p WHERE p.slug = p_slug
$$;

CREATE OR REPLACE FUNCTION cv_organisation_json(o organisations) RETURNS json
LANGUAGE sql STABLE AS $$
    SELECT json_build_object('id', o.id, 'name', o.name, 'country', o.country,
        'city', o.city, 'created_at', cv_iso_utc(o.created_at))
$$;

CREATE OR REPLACE FUNCTION cv_organisation_create(body jsonb) RETURNS json
LANGUAGE plpgsql AS $$
DECLARE
    o organisations;
BEGIN
    INSERT INTO organisations (name, country, city)
    VALUES (body->>'name', body->>'country', coalesce(body->>'city', ''))
    ON CONFLICT DO NOTHING
    RETURNING * INTO o;
    IF o.id IS NULL THEN
        PERFORM cv_fail(409, 'name', format('field name: an organisation %L in %s already exists',
                                            body->>'name', body->>'country'));
    END IF;
    RETURN cv_organisation_json(o);
END $$;
