-- deadlines.sql - the admin writes and reads of deadlines.

CREATE OR REPLACE FUNCTION cv_deadline_json(d deadlines, warnings text[] DEFAULT NULL) RETURNS json
LANGUAGE sql STABLE AS $$
    SELECT json_build_object(
        'id', d.id, 'uid', d.uid, 'sequence', d.sequence,
        'project', (SELECT slug FROM projects WHERE id = d.project_id),
        'kind', d.kind, 'title', d.title, 'description', d.description, 'url', d.url,
        'tz', d.tz, 'due', t.due,
        'status', d.status, 'reminders', d.reminders,
        'ambiguous_time', coalesce(array_length(warnings, 1), 0) > 0
            OR coalesce((t.due->>'ambiguous')::boolean, false),
        'warnings', coalesce(warnings, '{}'),
        'created_at', cv_iso_utc(d.created_at), 'updated_at', cv_iso_utc(d.updated_at))
    FROM (SELECT cv_time_json(d.due_local, d.tz, d.due_at) AS due) t
$$;

-- Create (ID NULL) or update deadline ID from the validated API body.
CREATE OR REPLACE FUNCTION cv_deadline_write(p_id bigint, body jsonb, host text) RETURNS json
LANGUAGE plpgsql AS $$
DECLARE
    o deadlines;
    n deadlines;
    w text[] := '{}';
    r record;
BEGIN
    IF p_id IS NULL THEN
        n.project_id := cv_project_id(body->>'project');
        n.description := ''; n.url := ''; n.status := 'published'; n.sequence := 0;
        n.uid := gen_random_uuid()::text || '@' || host;
    ELSE
        SELECT * INTO o FROM deadlines WHERE id = p_id FOR UPDATE;
        IF NOT FOUND THEN
            PERFORM cv_fail(404, NULL, format('no deadline %s', p_id));
        END IF;
        n := o;
    END IF;
    IF body ? 'kind' THEN n.kind := body->>'kind'; END IF;
    IF body ? 'title' THEN n.title := body->>'title'; END IF;
    IF body ? 'description' THEN n.description := coalesce(body->>'description', ''); END IF;
    IF body ? 'url' THEN n.url := coalesce(body->>'url', ''); END IF;
    IF body ? 'tz' THEN n.tz := body->>'tz'; END IF;
    IF body ? 'status' THEN n.status := (body->>'status')::item_status; END IF;
    IF body ? 'reminders' THEN n.reminders := cv_reminders_from(body); END IF;
    IF NOT cv_zone_known(n.tz) THEN
        PERFORM cv_fail(422, 'tz', format('field tz: unknown time zone %L: an IANA name such as Europe/Rome is expected', n.tz));
    END IF;
    IF body ? 'due' THEN n.due_local := cv_parse_local(body, 'due', false); END IF;
    r := cv_event_instant(n.due_local, n.tz, 'due', false, w);
    w := r.w; n.due_at := r.utc;

    IF p_id IS NULL THEN
        INSERT INTO deadlines (project_id, kind, title, description, url, tz, due_local,
                               due_at, status, reminders, uid)
        VALUES (n.project_id, n.kind, n.title, n.description, n.url, n.tz, n.due_local,
                n.due_at, n.status, n.reminders, n.uid)
        RETURNING * INTO n;
    ELSE
        IF n.due_local <> o.due_local OR n.tz <> o.tz OR n.due_at <> o.due_at
           OR n.status <> o.status THEN
            n.sequence := o.sequence + 1;
        END IF;
        UPDATE deadlines SET kind = n.kind, title = n.title, description = n.description,
            url = n.url, tz = n.tz, due_local = n.due_local, due_at = n.due_at,
            status = n.status, reminders = n.reminders, sequence = n.sequence,
            updated_at = now()
        WHERE id = p_id RETURNING * INTO n;
        IF n.status = 'cancelled' AND o.status <> 'cancelled' THEN
            UPDATE outbox SET state = 'cancelled', last_error = 'deadline cancelled', updated_at = now()
            WHERE deadline_id = p_id AND state = 'pending';
        END IF;
    END IF;
    IF (p_id IS NULL OR n.due_at <> o.due_at OR n.status <> o.status
        OR n.reminders IS DISTINCT FROM o.reminders) THEN
        PERFORM cv_schedule_deadline_reminders(n.id);
    END IF;
    RETURN cv_deadline_json(n, w);
END $$;

CREATE OR REPLACE FUNCTION cv_deadline_get(p_id bigint) RETURNS json
LANGUAGE sql STABLE AS $$
    SELECT cv_deadline_json(d) FROM deadlines d WHERE d.id = p_id
$$;

