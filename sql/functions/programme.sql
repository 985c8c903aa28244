-- programme.sql - an event's timetable (issue 19, item 1): programme
-- items with local start and end in the event's zone, inside the event (a
-- DST gap refused, a repeated hour read as events read it: cv_local_to_utc
-- in time.sql), parallel items allowed.  GET/POST
-- /api/events/{id}/programme, PATCH/DELETE .../programme/{item}, POST
-- .../programme/import.  A change touches the event's updated_at (the
-- feeds show the programme in its DESCRIPTION) but never its SEQUENCE.
-- Refusals go through cv_fail (errors.sql) and change nothing.

-- One item as the API shows it.
CREATE OR REPLACE FUNCTION cv_programme_item_json(i programme_items, e events)
RETURNS jsonb
LANGUAGE sql STABLE AS $$
    SELECT jsonb_build_object(
        'id', i.id, 'event', i.event_id, 'kind', i.kind, 'title', i.title,
        'speakers', i.speakers, 'room', i.room, 'description', i.description,
        'day', to_char(i.start_local, 'YYYY-MM-DD'),
        'start', cv_time_json(i.start_local, e.tz, i.start_at),
        'end', cv_time_json(i.end_local, e.tz, i.end_at),
        'created_at', cv_iso_utc(i.created_at), 'updated_at', cv_iso_utc(i.updated_at))
$$;

-- The speakers of BODY as stored: an array of at most 20 objects
-- {"name", "organisation"} (organisation optional), each name 1 to 200
-- printable characters.  FIELD names the field in refusals.
CREATE OR REPLACE FUNCTION cv_programme_speakers(v jsonb, field text) RETURNS jsonb
LANGUAGE plpgsql IMMUTABLE AS $$
DECLARE
    s jsonb;
    out jsonb := '[]';
    n text;
    o text;
BEGIN
    IF v IS NULL OR jsonb_typeof(v) = 'null' THEN
        RETURN '[]';
    END IF;
    IF jsonb_typeof(v) <> 'array' OR jsonb_array_length(v) > 20 THEN
        PERFORM cv_fail(422, field, format('field %s: a list of at most 20 speakers '
                        '{"name", "organisation"} is expected', field));
    END IF;
    FOR s IN SELECT x FROM jsonb_array_elements(v) x LOOP
        IF jsonb_typeof(s) <> 'object' OR jsonb_typeof(s->'name') IS DISTINCT FROM 'string'
           OR (s ? 'organisation' AND jsonb_typeof(s->'organisation') NOT IN ('string', 'null'))
           OR EXISTS (SELECT 1 FROM jsonb_object_keys(s) k WHERE k NOT IN ('name', 'organisation')) THEN
            PERFORM cv_fail(422, field, format('field %s: each speaker is {"name", '
                            '"organisation"} with text values', field));
        END IF;
        n := btrim(s->>'name');
        o := coalesce(btrim(s->>'organisation'), '');
        IF length(n) NOT BETWEEN 1 AND 200 OR length(o) > 200
           OR n ~ '[[:cntrl:]]' OR o ~ '[[:cntrl:]]' THEN
            PERFORM cv_fail(422, field, format('field %s: a speaker''s name is 1 to 200 and '
                            'an organisation at most 200 printable characters', field));
        END IF;
        out := out || jsonb_build_array(jsonb_build_object('name', n, 'organisation', o));
    END LOOP;
    RETURN out;
END $$;

-- A text field of BODY: at most MAXLEN characters, no control characters
-- (line breaks allowed when LINES); REQUIRED refuses an empty one.
CREATE OR REPLACE FUNCTION cv_programme_field(body jsonb, field text, maxlen integer,
                                             required boolean, lines boolean DEFAULT false)
RETURNS text
LANGUAGE plpgsql IMMUTABLE AS $$
DECLARE
    s text;
BEGIN
    IF body->field IS NOT NULL AND jsonb_typeof(body->field) NOT IN ('string', 'null') THEN
        PERFORM cv_fail(422, field, format('field %s: text is expected', field));
    END IF;
    s := coalesce(btrim(body->>field), '');
    IF required AND s = '' THEN
        PERFORM cv_fail(422, field, format('field %s: required', field));
    END IF;
    IF length(s) > maxlen THEN
        PERFORM cv_fail(422, field, format('field %s: at most %s characters', field, maxlen));
    END IF;
    IF (lines AND s ~ '[\x01-\x08\x0b\x0c\x0e-\x1f\x7f]') OR (NOT lines AND s ~ '[[:cntrl:]]') THEN
        PERFORM cv_fail(422, field, format('field %s: control characters are not allowed', field));
    END IF;
    RETURN s;
END $$;

-- Apply BODY (the fields of POST or PATCH) to item N of event E and check
-- it: kind, title, speakers, room, description, and start and end as local
-- times in E's zone (a DST gap refused naming the field; in a fold the
-- first occurrence, as for events), end after start, both inside E.
-- Returns N with its instants; refusals name the field.
CREATE OR REPLACE FUNCTION cv_programme_apply(e events, n programme_items, body jsonb)
RETURNS programme_items
LANGUAGE plpgsql STABLE AS $$
DECLARE
    r record;
BEGIN
    IF body ? 'kind' THEN
        n.kind := body->>'kind';
        IF n.kind IS NULL OR NOT EXISTS (SELECT 1 FROM programme_kinds WHERE name = n.kind) THEN
            PERFORM cv_fail(422, 'kind', format('field kind: one of %s',
                            (SELECT string_agg(name, ', ' ORDER BY position) FROM programme_kinds)));
        END IF;
    END IF;
    IF body ? 'title' OR n.title IS NULL THEN
        n.title := cv_programme_field(body, 'title', 300, true);
    END IF;
    IF body ? 'room' THEN n.room := cv_programme_field(body, 'room', 200, false); END IF;
    IF body ? 'description' THEN
        n.description := cv_programme_field(body, 'description', 4000, false, true);
    END IF;
    IF body ? 'speakers' THEN n.speakers := cv_programme_speakers(body->'speakers', 'speakers'); END IF;
    IF body ? 'start' OR n.start_local IS NULL THEN
        n.start_local := cv_parse_local(body, 'start', false);
    END IF;
    IF body ? 'end' OR n.end_local IS NULL THEN
        n.end_local := cv_parse_local(body, 'end', false);
    END IF;
    IF n.end_local <= n.start_local THEN
        PERFORM cv_fail(422, 'end', format('field end: %s is not after the start, %s',
                        to_char(n.end_local, 'YYYY-MM-DD"T"HH24:MI'),
                        to_char(n.start_local, 'YYYY-MM-DD"T"HH24:MI')));
    END IF;
    r := cv_local_to_utc(n.start_local, e.tz, 'start');
    n.start_at := r.utc;
    r := cv_local_to_utc(n.end_local, e.tz, 'end');
    n.end_at := r.utc;
    IF n.end_at <= n.start_at THEN
        PERFORM cv_fail(422, 'end', 'field end: must be after start (in UTC, across the clock change)');
    END IF;
    IF n.start_at < e.start_at OR n.start_at >= e.end_at THEN
        PERFORM cv_fail(422, 'start', format('field start: %s is outside the event (%s to %s, %s)',
                        to_char(n.start_local, 'YYYY-MM-DD"T"HH24:MI'),
                        to_char(e.start_local, 'YYYY-MM-DD"T"HH24:MI'),
                        to_char(e.end_local, 'YYYY-MM-DD"T"HH24:MI'), e.tz));
    END IF;
    IF n.end_at > e.end_at THEN
        PERFORM cv_fail(422, 'end', format('field end: %s is outside the event (%s to %s, %s)',
                        to_char(n.end_local, 'YYYY-MM-DD"T"HH24:MI'),
                        to_char(e.start_local, 'YYYY-MM-DD"T"HH24:MI'),
                        to_char(e.end_local, 'YYYY-MM-DD"T"HH24:MI'), e.tz));
    END IF;
    RETURN n;
END $$;

-- Event P_EVENT locked for a programme change (404 when missing, 409 when
-- cancelled).  FOR NO KEY UPDATE: registrations go on meanwhile.
CREATE OR REPLACE FUNCTION cv_programme_event(p_event bigint) RETURNS events
LANGUAGE plpgsql AS $$
DECLARE
    e events;
BEGIN
    SELECT * INTO e FROM events WHERE id = p_event FOR NO KEY UPDATE;
    IF NOT FOUND THEN
        PERFORM cv_fail(404, 'event', format('no event %s', p_event));
    END IF;
    IF e.status = 'cancelled' THEN
        PERFORM cv_fail(409, 'event', 'the event is cancelled: its programme no longer changes');
    END IF;
    RETURN e;
END $$;

-- The programme changed: the event's updated_at moves (feeds, LAST-MODIFIED
-- and the publisher follow it), its SEQUENCE does not.
CREATE OR REPLACE FUNCTION cv_programme_touch(p_event bigint) RETURNS void
LANGUAGE sql AS $$
    UPDATE events SET updated_at = now() WHERE id = p_event
$$;

-- Insert one checked item (no touch).
CREATE OR REPLACE FUNCTION cv_programme_insert(e events, body jsonb) RETURNS programme_items
LANGUAGE plpgsql AS $$
DECLARE
    n programme_items;
BEGIN
    IF NOT (body ? 'kind') THEN
        body := body || '{"kind": "session"}';
    END IF;
    n.event_id := e.id;
    n.speakers := '[]';
    n.room := '';
    n.description := '';
    n := cv_programme_apply(e, n, body);
    INSERT INTO programme_items (event_id, kind, title, speakers, room, description,
                                 start_local, end_local, start_at, end_at)
    VALUES (e.id, n.kind, n.title, n.speakers, n.room, n.description,
            n.start_local, n.end_local, n.start_at, n.end_at)
    RETURNING * INTO n;
    RETURN n;
END $$;

-- POST /api/events/{id}/programme: add one item (kind defaults to
-- session).  Returns the item (201).
CREATE OR REPLACE FUNCTION cv_programme_add(p_event bigint, body jsonb) RETURNS json
LANGUAGE plpgsql AS $$
DECLARE
    e events := cv_programme_event(p_event);
    n programme_items;
BEGIN
    IF (SELECT count(*) FROM programme_items WHERE event_id = p_event) >= 500 THEN
        PERFORM cv_fail(422, 'event', 'an event has at most 500 programme items');
    END IF;
    n := cv_programme_insert(e, body);
    PERFORM cv_programme_touch(p_event);
    RETURN cv_programme_item_json(n, e)::json;
END $$;

-- PATCH /api/events/{id}/programme/{item}: change the given fields (a
-- move is a new start and end).  Returns the item.
CREATE OR REPLACE FUNCTION cv_programme_update(p_event bigint, p_item bigint, body jsonb)
RETURNS json
LANGUAGE plpgsql AS $$
DECLARE
    e events := cv_programme_event(p_event);
    n programme_items;
BEGIN
    SELECT * INTO n FROM programme_items WHERE id = p_item AND event_id = p_event FOR UPDATE;
    IF NOT FOUND THEN
        PERFORM cv_fail(404, 'item', format('no programme item %s in event %s', p_item, p_event));
    END IF;
    n := cv_programme_apply(e, n, body);
    UPDATE programme_items SET kind = n.kind, title = n.title, speakers = n.speakers,
           room = n.room, description = n.description, start_local = n.start_local,
           end_local = n.end_local, start_at = n.start_at, end_at = n.end_at,
           updated_at = now()
     WHERE id = p_item RETURNING * INTO n;
    PERFORM cv_programme_touch(p_event);
    RETURN cv_programme_item_json(n, e)::json;
END $$;

-- DELETE /api/events/{id}/programme/{item}.  Returns {"deleted": id}.
CREATE OR REPLACE FUNCTION cv_programme_remove(p_event bigint, p_item bigint) RETURNS json
LANGUAGE plpgsql AS $$
DECLARE
    e events := cv_programme_event(p_event);
BEGIN
    DELETE FROM programme_items WHERE id = p_item AND event_id = e.id;
    IF NOT FOUND THEN
        PERFORM cv_fail(404, 'item', format('no programme item %s in event %s', p_item, p_event));
    END IF;
    PERFORM cv_programme_touch(p_event);
    RETURN json_build_object('deleted', p_item);
END $$;

-- POST /api/events/{id}/programme/import: {"items": [...], "replace":
-- bool}.  Each item is a POST body with "line" (its line in the file the
-- client read) and "columns" (field -> column name there); the first bad
-- item refuses the whole import naming its line and column, nothing
-- written.  REPLACE removes the existing items first.  Returns the
-- programme (cv_programme_list).
CREATE OR REPLACE FUNCTION cv_programme_import(p_event bigint, body jsonb) RETURNS json
LANGUAGE plpgsql AS $$
DECLARE
    e events := cv_programme_event(p_event);
    it jsonb;
    v_field text;
    v_msg text;
    v_col text;
    v_line text;
BEGIN
    IF jsonb_typeof(body->'items') IS DISTINCT FROM 'array' THEN
        PERFORM cv_fail(422, 'items', 'field items: a list of programme items is expected');
    END IF;
    IF jsonb_array_length(body->'items') > 500 THEN
        PERFORM cv_fail(422, 'items', 'field items: at most 500 programme items');
    END IF;
    IF coalesce((body->>'replace')::boolean, false) THEN
        DELETE FROM programme_items WHERE event_id = p_event;
    END IF;
    FOR it IN SELECT x FROM jsonb_array_elements(body->'items') x LOOP
        IF jsonb_typeof(it) <> 'object' THEN
            PERFORM cv_fail(422, 'items', 'field items: each item is an object');
        END IF;
        BEGIN
            PERFORM cv_programme_insert(e, it - 'line' - 'columns');
        EXCEPTION WHEN SQLSTATE 'CV422' THEN
            GET STACKED DIAGNOSTICS v_field = COLUMN_NAME, v_msg = MESSAGE_TEXT;
            v_line := coalesce(it->>'line', '?');
            v_col := coalesce(it->'columns'->>v_field, v_field);
            PERFORM cv_fail(422, format('line %s, column %s', v_line, v_col),
                            format('line %s, column %s: %s', v_line, v_col, v_msg));
        END;
    END LOOP;
    IF (SELECT count(*) FROM programme_items WHERE event_id = p_event) > 500 THEN
        PERFORM cv_fail(422, 'items', 'an event has at most 500 programme items');
    END IF;
    PERFORM cv_programme_touch(p_event);
    RETURN cv_programme_list(p_event);
END $$;

-- GET /api/events/{id}/programme: the event's zone and its items by start
-- (parallel items by id).  NULL when there is no such event.
CREATE OR REPLACE FUNCTION cv_programme_list(p_event bigint) RETURNS json
LANGUAGE sql STABLE AS $$
    SELECT json_build_object(
        'event', e.id, 'tz', e.tz,
        'items', coalesce((SELECT jsonb_agg(cv_programme_item_json(i, e) ORDER BY i.start_at, i.end_at, i.id)
                             FROM programme_items i WHERE i.event_id = e.id), '[]'))
      FROM events e WHERE e.id = p_event
$$;

-- The programme as plain text, one line per item in the event's local
-- time ("2027-03-28 11:10-11:30 Results of the grant call (A. Kowalska,
-- City of Łódź) [Room 2]"), a blank-line-separated block: what the feeds'
-- and the invitation's DESCRIPTION carry after the event's own description.
-- One row per given event that has a programme (NULL programme when no
-- line can be written); a feed reads all its events' at once
-- (cv_feed_items), a call per event would plan this query 10,000 times.
CREATE OR REPLACE FUNCTION cv_programme_texts(p_events bigint[])
RETURNS TABLE (event_id bigint, programme text)
LANGUAGE sql STABLE AS $$
    SELECT i.event_id, 'Programme (' || max(e.tz) || '):' || E'\n' || string_agg(
        to_char(i.start_local, 'YYYY-MM-DD HH24:MI') || '-'
        || CASE WHEN i.end_local::date = i.start_local::date THEN to_char(i.end_local, 'HH24:MI')
                ELSE to_char(i.end_local, 'YYYY-MM-DD HH24:MI') END
        || ' ' || i.title
        || CASE WHEN jsonb_array_length(i.speakers) > 0 THEN
               ' (' || (SELECT string_agg(s->>'name' || CASE WHEN s->>'organisation' <> ''
                                                          THEN ', ' || (s->>'organisation') ELSE '' END,
                                          '; ' ORDER BY o)
                          FROM jsonb_array_elements(i.speakers) WITH ORDINALITY AS x(s, o)) || ')'
               ELSE '' END
        || CASE WHEN i.room <> '' THEN ' [' || i.room || ']' ELSE '' END,
        E'\n' ORDER BY i.start_at, i.end_at, i.id)
      FROM programme_items i JOIN events e ON e.id = i.event_id
     WHERE i.event_id = ANY (p_events)
     GROUP BY i.event_id
$$;

-- One event's programme text (cv_programme_texts); '' when it has none.
CREATE OR REPLACE FUNCTION cv_programme_text(p_event bigint) RETURNS text
LANGUAGE sql STABLE AS $$
    SELECT coalesce((SELECT t.programme FROM cv_programme_texts(ARRAY[p_event]) t), '')
$$;

-- An event's DESCRIPTION in feeds and invitations: its own DESCRIPTION,
-- then its PROGRAMME text (NULL or '': none).
CREATE OR REPLACE FUNCTION cv_description_join(p_description text, p_programme text) RETURNS text
LANGUAGE sql IMMUTABLE AS $$
    SELECT CASE WHEN coalesce(p_programme, '') = '' THEN p_description
                WHEN p_description = '' THEN p_programme
                ELSE p_description || E'\n\n' || p_programme END
$$;

-- An event's DESCRIPTION in feeds and invitations (cv_description_join).
CREATE OR REPLACE FUNCTION cv_event_description(e events) RETURNS text
LANGUAGE sql STABLE AS $$
    SELECT cv_description_join(e.description, cv_programme_text(e.id))
$$;
