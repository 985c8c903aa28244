-- 007_import.sql - events created with a given iCalendar UID (POST
-- /api/events with "uid", used by `convenectl import`): a UID that already
-- exists is a 409 naming the field uid, so importing a file twice creates
-- nothing new.

-- Create an event from the validated API body like cv_event_write(NULL,
-- body, host), but with the UID body->>'uid' instead of a random one.
-- Returns the event as JSON (cv_event_json, warnings kept).
CREATE OR REPLACE FUNCTION cv_event_create_with_uid(body jsonb, host text) RETURNS json
LANGUAGE plpgsql AS $$
DECLARE
    p_uid text := body->>'uid';
    res json;
    e events;
BEGIN
    IF p_uid IS NULL OR length(p_uid) NOT BETWEEN 1 AND 255 OR p_uid ~ '[[:cntrl:]]' THEN
        PERFORM cv_fail(422, 'uid', 'field uid: 1 to 255 printable characters are expected');
    END IF;
    IF EXISTS (SELECT 1 FROM events WHERE uid = p_uid) THEN
        PERFORM cv_fail(409, 'uid', format('field uid: an event with UID %s already exists', p_uid));
    END IF;
    res := cv_event_write(NULL, body, host);
    BEGIN
        UPDATE events SET uid = p_uid WHERE id = (res->>'id')::bigint RETURNING * INTO e;
    EXCEPTION WHEN unique_violation THEN
        -- a concurrent import of the same UID committed first
        PERFORM cv_fail(409, 'uid', format('field uid: an event with UID %s already exists', p_uid));
    END;
    RETURN cv_event_json(e, ARRAY(SELECT json_array_elements_text(res->'warnings')));
END $$;
