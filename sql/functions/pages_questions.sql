-- pages_questions.sql - what the public pages read of the programme and
-- the questions (issue 19): the timetable of a published event, the
-- questions its form asks (with each group's places left), a form's
-- answers turned into the API's values by kind, and every problem of
-- those answers at once, each found by cv_answers_check (questions.sql,
-- the one rule), so that the form can show them all next to their
-- questions.  Nothing here writes; cv_register and cv_answers_change
-- decide.

-- The timetable of event P_EVENT (not a draft) as its page shows it: a
-- JSON array by start of {kind, title, speakers, room, description, day
-- (local YYYY-MM-DD), start_utc, end_utc (Unix seconds)}.
CREATE OR REPLACE FUNCTION cv_public_programme(p_event bigint) RETURNS jsonb
LANGUAGE sql STABLE AS $$
    SELECT coalesce(jsonb_agg(jsonb_build_object(
               'kind', i.kind, 'title', i.title, 'speakers', i.speakers, 'room', i.room,
               'description', i.description, 'day', to_char(i.start_local, 'YYYY-MM-DD'),
               'end_day', to_char(i.end_local, 'YYYY-MM-DD'),
               'start_utc', floor(extract(epoch FROM i.start_at))::bigint,
               'end_utc', floor(extract(epoch FROM i.end_at))::bigint)
               ORDER BY i.start_at, i.end_at, i.id), '[]')
      FROM programme_items i JOIN events e ON e.id = i.event_id
     WHERE i.event_id = p_event AND e.status <> 'draft'
$$;

-- The questions event P_EVENT asks, as its form shows them: a JSON array
-- by position of {key, kind, label, help, required, options: [{value,
-- label, left}]} where LEFT is a group's places left (null: no capacity).
CREATE OR REPLACE FUNCTION cv_public_questions(p_event bigint) RETURNS jsonb
LANGUAGE sql STABLE AS $$
    SELECT coalesce(jsonb_agg(jsonb_build_object(
               'key', q.key, 'kind', q.kind, 'label', q.label, 'help', q.help,
               'required', q.required,
               'options', coalesce((SELECT jsonb_agg(jsonb_build_object(
                               'value', o.value, 'label', o.label,
                               'left', CASE WHEN o.capacity IS NOT NULL THEN
                                   greatest(o.capacity - cv_option_taken(q.id, o.value), 0) END)
                               ORDER BY o.position)
                          FROM question_options o WHERE o.question_id = q.id), '[]'))
               ORDER BY q.position, q.id), '[]')
      FROM cv_event_questions(p_event) q
$$;

-- A form's answers RAW ({key: [text, ...]}, as an HTML form posts them:
-- every value a text, a checkbox group repeated) as the API's values by
-- the kind of each question of event P_EVENT: choices a list, yes_no
-- "yes"/"no" true/false, consent "yes" true, a number a JSON number when
-- it reads as one (a decimal comma allowed); anything else is passed on as
-- its first text, for cv_answers_check to refuse what does not fit.  ALL:
-- every question the event asks gets a key (null: not answered), as a
-- whole form replaces every answer.
CREATE OR REPLACE FUNCTION cv_answers_from_form(p_event bigint, raw jsonb, p_all boolean)
RETURNS jsonb
LANGUAGE sql STABLE AS $$
    SELECT coalesce(jsonb_object_agg(k.key, CASE
               WHEN v IS NULL THEN 'null'::jsonb
               WHEN q.kind = 'choices' THEN v
               WHEN q.kind IN ('yes_no', 'consent') AND v->>0 = 'yes' THEN 'true'::jsonb
               WHEN q.kind = 'yes_no' AND v->>0 = 'no' THEN 'false'::jsonb
               WHEN q.kind = 'number' AND v->>0 ~ '^-?[0-9]{1,15}([.,][0-9]{1,10})?$' THEN
                   to_jsonb(replace(v->>0, ',', '.')::numeric)
               ELSE v->0 END), '{}')
      FROM (SELECT r.key FROM jsonb_each(coalesce(raw, '{}')) r
            UNION
            SELECT x.key FROM cv_event_questions(p_event) x WHERE p_all) k
      LEFT JOIN cv_event_questions(p_event) q ON q.key = k.key
      CROSS JOIN LATERAL (SELECT CASE WHEN jsonb_typeof(raw->k.key) = 'array'
                                      THEN raw->k.key END AS v) a
$$;

-- Every problem of ANSWERS ({key: value}, the API's form) for event
-- P_EVENT at once, each as cv_answers_check refuses it: per answer the
-- rule's own refusal (field answers.KEY, its code and message), and
-- unless PARTIAL each required question left unanswered (answer_required,
-- consent_required for a consent).  No rows: the answers pass.
CREATE OR REPLACE FUNCTION cv_answers_problems(p_event bigint, answers jsonb, partial boolean)
RETURNS TABLE (field text, code text, message text)
LANGUAGE plpgsql STABLE AS $$
DECLARE
    k text;
    q questions;
    got jsonb;
    st text;
    bad text[] := '{}';
BEGIN
    answers := coalesce(answers, '{}');
    FOR k IN SELECT jsonb_object_keys(answers) LOOP
        BEGIN
            PERFORM cv_answers_check(p_event, jsonb_build_object(k, answers->k), true);
        EXCEPTION WHEN OTHERS THEN
            GET STACKED DIAGNOSTICS st = RETURNED_SQLSTATE, field = COLUMN_NAME,
                                    code = CONSTRAINT_NAME, message = MESSAGE_TEXT;
            IF st NOT LIKE 'CV%' THEN
                RAISE;
            END IF;
            IF coalesce(code, '') = '' THEN
                code := CASE WHEN st = 'CV422' THEN 'invalid_value' ELSE 'bad_request' END;
            END IF;
            bad := bad || k;
            RETURN NEXT;
        END;
    END LOOP;
    IF partial THEN
        RETURN;
    END IF;
    got := cv_answers_check(p_event, (SELECT coalesce(jsonb_object_agg(key, value), '{}')
                                        FROM jsonb_each(answers) WHERE NOT key = ANY (bad)),
                            true);
    FOR q IN SELECT * FROM cv_event_questions(p_event) LOOP
        IF q.required AND NOT q.key = ANY (bad) AND NOT got ? q.id::text THEN
            field := 'answers.' || q.key;
            code := CASE WHEN q.kind = 'consent' THEN 'consent_required' ELSE 'answer_required' END;
            message := format('%s: an answer is required (%s)', field, q.label->>'en');
            RETURN NEXT;
        END IF;
    END LOOP;
END $$;

-- POST /r/{token}/answers: the person's whole answers form RAW (as
-- cv_answers_from_form reads it).  While the answers can change, every
-- problem at once: {"problems": [{field, code, message}]} and nothing
-- written; else cv_answers_change by the token (which refuses, 409, once
-- registration has closed).
CREATE OR REPLACE FUNCTION cv_answers_change_form(p_token text, raw jsonb) RETURNS json
LANGUAGE plpgsql AS $$
DECLARE
    ev bigint;
    conv jsonb;
    probs json;
BEGIN
    SELECT event_id INTO ev FROM registrations WHERE token = p_token;
    IF NOT FOUND THEN
        PERFORM cv_fail(404, 'token', 'no such registration');
    END IF;
    conv := cv_answers_from_form(ev, raw, true);
    IF (cv_answers_view(p_token)->>'changeable')::boolean THEN
        SELECT json_agg(p) INTO probs
          FROM cv_answers_problems(ev, jsonb_strip_nulls(conv), false) p;
        IF probs IS NOT NULL THEN
            RETURN json_build_object('problems', probs);
        END IF;
    END IF;
    RETURN cv_answers_change(p_token, NULL, NULL, conv, NULL, false);
END $$;
