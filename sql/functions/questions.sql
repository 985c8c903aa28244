-- questions.sql - registration questions, answers and groups (issue 19,
-- items 2 and 3).  A question belongs to an event or to a project (then
-- every event of the project asks it).  Answers are checked in one place,
-- cv_answers_check, which cv_register (registrations.sql) calls; a choice
-- option with a capacity is a group, held under a lock on its option row
-- (options locked in (question, value) order) like the event's seats.
-- Limits: 50 questions per event (its own and its project's), 50 options
-- per question, labels 500 characters, help 1000, an answer 4 KB.
-- Refusals go through cv_fail / cv_fail_code (errors.sql) and change
-- nothing.

-- The languages a label may have (person_lang).
CREATE OR REPLACE FUNCTION cv_question_langs() RETURNS text[]
LANGUAGE sql IMMUTABLE AS $$ SELECT enum_range(NULL::person_lang)::text[] $$;

-- Registrations (not cancelled) whose answer to question Q names option V.
CREATE OR REPLACE FUNCTION cv_option_taken(q bigint, v text) RETURNS bigint
LANGUAGE sql STABLE AS $$
    SELECT count(*) FROM answers a JOIN registrations r ON r.id = a.registration_id
     WHERE a.question_id = q AND r.state <> 'cancelled'
       AND (a.value = to_jsonb(v) OR (jsonb_typeof(a.value) = 'array' AND a.value ? v))
$$;

-- A question as the API shows it.
CREATE OR REPLACE FUNCTION cv_question_json(q questions) RETURNS jsonb
LANGUAGE sql STABLE AS $$
    SELECT jsonb_build_object(
        'id', q.id, 'key', q.key, 'kind', q.kind,
        'scope', CASE WHEN q.event_id IS NOT NULL THEN 'event' ELSE 'project' END,
        'event', q.event_id,
        'project', (SELECT slug FROM projects WHERE id = q.project_id),
        'label', q.label, 'help', q.help, 'required', q.required, 'position', q.position,
        'evidence', q.evidence,
        'options', coalesce((SELECT jsonb_agg(jsonb_build_object(
                                 'value', o.value, 'label', o.label, 'capacity', o.capacity,
                                 'taken', cv_option_taken(q.id, o.value)) ORDER BY o.position)
                               FROM question_options o WHERE o.question_id = q.id), '[]'))
$$;

-- The questions event E asks: the project's and its own, by position.
CREATE OR REPLACE FUNCTION cv_event_questions(p_event bigint) RETURNS SETOF questions
LANGUAGE sql STABLE AS $$
    SELECT q.* FROM questions q JOIN events e ON e.id = p_event
     WHERE q.event_id = e.id OR q.project_id = e.project_id
     ORDER BY q.position, q.id
$$;

-- A label or help text map of BODY->FIELD: {"en": ..., "pl": ...} with
-- languages of person_lang, each at most MAXLEN characters without control
-- characters; a plain string is English.  REQUIRED: English must be there.
CREATE OR REPLACE FUNCTION cv_question_texts(v jsonb, field text, maxlen integer,
                                             required boolean)
RETURNS jsonb
LANGUAGE plpgsql STABLE AS $$
DECLARE
    k text;
    t text;
    out jsonb := '{}';
BEGIN
    IF v IS NULL OR jsonb_typeof(v) = 'null' THEN
        v := '{}';
    ELSIF jsonb_typeof(v) = 'string' THEN
        v := jsonb_build_object('en', v);
    ELSIF jsonb_typeof(v) <> 'object' THEN
        PERFORM cv_fail(422, field, format('field %s: text, or {"en": ..., "pl": ...}', field));
    END IF;
    FOR k, t IN SELECT key, CASE WHEN jsonb_typeof(value) = 'string' THEN value #>> '{}' END
                  FROM jsonb_each(v) LOOP
        IF NOT k = ANY (cv_question_langs()) THEN
            PERFORM cv_fail(422, field || '.' || k, format('field %s: languages are %s',
                            field, array_to_string(cv_question_langs(), ', ')));
        END IF;
        t := btrim(t);
        IF t IS NULL OR t = '' THEN
            PERFORM cv_fail(422, field || '.' || k, format('field %s.%s: text is expected', field, k));
        END IF;
        IF length(t) > maxlen THEN
            PERFORM cv_fail(422, field || '.' || k,
                            format('field %s.%s: at most %s characters', field, k, maxlen));
        END IF;
        IF t ~ '[[:cntrl:]]' THEN
            PERFORM cv_fail(422, field || '.' || k,
                            format('field %s.%s: control characters are not allowed', field, k));
        END IF;
        out := out || jsonb_build_object(k, t);
    END LOOP;
    IF required AND NOT out ? 'en' THEN
        PERFORM cv_fail(422, field || '.en', format('field %s.en: an English text is required', field));
    END IF;
    RETURN out;
END $$;

-- Refuse (422 'event'/'project') more than 50 questions for event E once
-- ADD more are added.
CREATE OR REPLACE FUNCTION cv_question_limit(p_event bigint, p_project bigint, p_add integer)
RETURNS void
LANGUAGE plpgsql STABLE AS $$
DECLARE
    worst bigint;
BEGIN
    SELECT max(c) INTO worst FROM (
        SELECT (SELECT count(*) FROM questions q
                 WHERE q.event_id = e.id OR q.project_id = e.project_id) AS c
          FROM events e
         WHERE e.id = p_event OR e.project_id = p_project) x;
    IF p_event IS NULL THEN
        worst := greatest(worst, (SELECT count(*) FROM questions WHERE project_id = p_project));
    END IF;
    IF coalesce(worst, 0) + p_add > 50 THEN
        PERFORM cv_fail(422, CASE WHEN p_event IS NULL THEN 'project' ELSE 'event' END,
                        'at most 50 questions per event (its own and its project''s)');
    END IF;
END $$;

-- Create (P_ID NULL: for event P_EVENT or project P_SLUG) or update
-- question P_ID from BODY: key, kind, label, help, required, position,
-- options [{"value", "label", "capacity"}] (choice and choices only; at
-- most 50, values and English labels without duplicates).  An update may
-- not change the kind of a question with answers nor drop an option that
-- answers name.  Returns the question.
CREATE OR REPLACE FUNCTION cv_question_write(p_id bigint, p_event bigint, p_slug text,
                                             body jsonb)
RETURNS json
LANGUAGE plpgsql AS $$
DECLARE
    q questions;
    old_q questions;
    opt jsonb;
    opts jsonb := NULL;
    norm jsonb := '[]';
    i integer := 0;
    v text;
    answered boolean;
BEGIN
    IF p_id IS NULL THEN
        IF p_event IS NOT NULL THEN
            PERFORM 1 FROM events WHERE id = p_event FOR NO KEY UPDATE;
            IF NOT FOUND THEN
                PERFORM cv_fail(404, 'event', format('no event %s', p_event));
            END IF;
            q.event_id := p_event;
        ELSE
            SELECT id INTO q.project_id FROM projects WHERE slug = p_slug FOR NO KEY UPDATE;
            IF NOT FOUND THEN
                PERFORM cv_fail(404, 'project', format('no project %s', p_slug));
            END IF;
        END IF;
        PERFORM cv_question_limit(q.event_id, q.project_id, 1);
        q.help := '{}';
        q.required := false;
        q.position := 0;
        q.evidence := false;
    ELSE
        SELECT * INTO old_q FROM questions WHERE id = p_id FOR UPDATE;
        IF NOT FOUND THEN
            PERFORM cv_fail(404, 'id', format('no question %s', p_id));
        END IF;
        q := old_q;
    END IF;

    IF body ? 'key' THEN
        q.key := body->>'key';
        IF q.key IS NULL OR q.key !~ '^[a-z][a-z0-9_]{0,39}$' THEN
            PERFORM cv_fail(422, 'key', 'field key: 1 to 40 of a-z, 0-9 and _, starting with a letter');
        END IF;
    ELSIF p_id IS NULL THEN
        PERFORM cv_fail(422, 'key', 'field key: required');
    END IF;
    IF body ? 'kind' THEN
        q.kind := body->>'kind';
        IF q.kind IS NULL OR q.kind NOT IN ('short_text', 'long_text', 'choice', 'choices',
                                            'yes_no', 'number', 'date', 'consent') THEN
            PERFORM cv_fail(422, 'kind', 'field kind: one of short_text, long_text, choice, '
                            'choices, yes_no, number, date, consent');
        END IF;
        IF p_id IS NULL AND q.kind = 'consent' THEN
            q.required := true;
        END IF;
    ELSIF p_id IS NULL THEN
        PERFORM cv_fail(422, 'kind', 'field kind: required');
    END IF;
    IF body ? 'label' OR p_id IS NULL THEN
        q.label := cv_question_texts(body->'label', 'label', 500, true);
    END IF;
    IF body ? 'help' THEN q.help := cv_question_texts(body->'help', 'help', 1000, false); END IF;
    IF body ? 'required' THEN
        IF jsonb_typeof(body->'required') <> 'boolean' THEN
            PERFORM cv_fail(422, 'required', 'field required: true or false');
        END IF;
        q.required := (body->>'required')::boolean;
    END IF;
    IF body ? 'position' THEN
        IF jsonb_typeof(body->'position') <> 'number' OR (body->>'position')::numeric
           NOT BETWEEN 0 AND 10000 OR (body->>'position')::numeric % 1 <> 0 THEN
            PERFORM cv_fail(422, 'position', 'field position: a whole number, 0 to 10000');
        END IF;
        q.position := (body->>'position')::integer;
    END IF;

    IF body ? 'evidence' THEN
        IF jsonb_typeof(body->'evidence') <> 'boolean' THEN
            PERFORM cv_fail(422, 'evidence', 'field evidence: true or false');
        END IF;
        q.evidence := (body->>'evidence')::boolean;
    END IF;
    -- the funder's counts survive anonymisation: options only (019)
    IF q.evidence AND q.kind NOT IN ('choice', 'choices', 'yes_no') THEN
        PERFORM cv_fail(422, 'evidence', format('field evidence: only a choice, choices or '
                        'yes_no question is counted for the funder (a %s answer is erased '
                        'when people are anonymised); offer the answers as options', q.kind));
    END IF;

    -- the key is unique among the questions an event asks
    IF EXISTS (SELECT 1 FROM questions x
                WHERE x.key = q.key AND x.id IS DISTINCT FROM q.id
                  AND (x.event_id = q.event_id OR x.project_id = q.project_id
                       OR x.project_id = (SELECT project_id FROM events WHERE id = q.event_id)
                       OR x.event_id IN (SELECT id FROM events WHERE project_id = q.project_id))) THEN
        PERFORM cv_fail(409, 'key', format('field key: the event or its project already asks a '
                        'question %s', q.key));
    END IF;

    answered := p_id IS NOT NULL AND EXISTS (SELECT 1 FROM answers WHERE question_id = p_id);
    IF answered AND q.kind <> old_q.kind THEN
        PERFORM cv_fail(409, 'kind', 'field kind: the question has answers; its kind no longer changes');
    END IF;

    IF body ? 'options' THEN
        opts := body->'options';
        IF jsonb_typeof(opts) <> 'array' OR jsonb_array_length(opts) > 50 THEN
            PERFORM cv_fail(422, 'options', 'field options: a list of at most 50 options');
        END IF;
    END IF;
    IF q.kind IN ('choice', 'choices') THEN
        IF opts IS NULL AND p_id IS NULL OR jsonb_array_length(opts) = 0 THEN
            PERFORM cv_fail(422, 'options', format('field options: a %s question needs options', q.kind));
        END IF;
    ELSIF opts IS NOT NULL AND jsonb_array_length(opts) > 0 THEN
        PERFORM cv_fail(422, 'options', format('field options: a %s question has no options', q.kind));
    END IF;

    IF p_id IS NULL THEN
        INSERT INTO questions (event_id, project_id, key, kind, label, help, required, position,
                               evidence)
        VALUES (q.event_id, q.project_id, q.key, q.kind, q.label, q.help, q.required, q.position,
                q.evidence)
        RETURNING * INTO q;
    ELSE
        UPDATE questions SET key = q.key, kind = q.kind, label = q.label, help = q.help,
               required = q.required, position = q.position, evidence = q.evidence,
               updated_at = now()
         WHERE id = q.id RETURNING * INTO q;
    END IF;

    IF opts IS NOT NULL THEN
        FOR opt IN SELECT x FROM jsonb_array_elements(opts) x LOOP
            i := i + 1;
            IF jsonb_typeof(opt) = 'string' THEN
                opt := jsonb_build_object('value', opt, 'label', opt);
            END IF;
            IF jsonb_typeof(opt) <> 'object'
               OR EXISTS (SELECT 1 FROM jsonb_object_keys(opt) k
                           WHERE k NOT IN ('value', 'label', 'capacity')) THEN
                PERFORM cv_fail(422, 'options', format('field options: option %s is '
                                '{"value", "label", "capacity"}', i));
            END IF;
            v := opt->>'value';
            IF v IS NULL OR v !~ '^[a-z0-9][a-z0-9_-]{0,39}$' THEN
                PERFORM cv_fail(422, 'options', format('field options: option %s: value is 1 to 40 '
                                'of a-z, 0-9, _ and -', i));
            END IF;
            IF opt ? 'capacity' AND jsonb_typeof(opt->'capacity') <> 'null'
               AND (jsonb_typeof(opt->'capacity') <> 'number' OR (opt->>'capacity')::numeric < 1
                    OR (opt->>'capacity')::numeric > 100000 OR (opt->>'capacity')::numeric % 1 <> 0) THEN
                PERFORM cv_fail(422, 'options', format('field options: option %s: capacity is a '
                                'whole number from 1', i));
            END IF;
            norm := norm || jsonb_build_array(jsonb_build_object(
                'value', v,
                'label', cv_question_texts(coalesce(opt->'label', to_jsonb(v)), 'options', 200, true),
                'capacity', (opt->>'capacity')::integer, 'position', i));
        END LOOP;
        SELECT n.value INTO v FROM jsonb_to_recordset(norm) AS n(value text)
         GROUP BY n.value HAVING count(*) > 1 LIMIT 1;
        IF FOUND THEN
            PERFORM cv_fail(422, 'options', format('field options: %s is listed twice', v));
        END IF;
        SELECT n.label->>'en' INTO v FROM jsonb_to_recordset(norm) AS n(label jsonb)
         GROUP BY n.label->>'en' HAVING count(*) > 1 LIMIT 1;
        IF FOUND THEN
            PERFORM cv_fail(422, 'options', format('field options: the label %s is listed twice', v));
        END IF;
        SELECT o.value INTO v FROM question_options o
         WHERE o.question_id = q.id AND cv_option_taken(q.id, o.value) > 0
           AND NOT EXISTS (SELECT 1 FROM jsonb_to_recordset(norm) AS n(value text)
                            WHERE n.value = o.value)
         LIMIT 1;
        IF FOUND THEN
            PERFORM cv_fail(409, 'options', format('field options: %s is chosen by registrations '
                            'and cannot be removed (move them first)', v));
        END IF;
        DELETE FROM question_options o WHERE o.question_id = q.id
           AND NOT EXISTS (SELECT 1 FROM jsonb_to_recordset(norm) AS n(value text)
                            WHERE n.value = o.value);
        INSERT INTO question_options (question_id, value, label, capacity, position)
        SELECT q.id, n.value, n.label, n.capacity, n.position
          FROM jsonb_to_recordset(norm) AS n(value text, label jsonb, capacity integer,
                                             position smallint)
        ON CONFLICT (question_id, value) DO UPDATE
           SET label = EXCLUDED.label, capacity = EXCLUDED.capacity, position = EXCLUDED.position;
    END IF;
    RETURN cv_question_json(q)::json;
END $$;

-- DELETE /api/questions/{id}: the question, its options and answers.
CREATE OR REPLACE FUNCTION cv_question_delete(p_id bigint) RETURNS json
LANGUAGE plpgsql AS $$
BEGIN
    DELETE FROM questions WHERE id = p_id;
    IF NOT FOUND THEN
        PERFORM cv_fail(404, 'id', format('no question %s', p_id));
    END IF;
    RETURN json_build_object('deleted', p_id);
END $$;

-- GET /api/events/{id}/questions (P_EVENT) or /api/projects/{slug}/questions
-- (P_SLUG): {"questions": [...]}; NULL when there is no such event/project.
CREATE OR REPLACE FUNCTION cv_question_list(p_event bigint, p_slug text) RETURNS json
LANGUAGE sql STABLE AS $$
    SELECT json_build_object('event', p_event, 'project', p_slug, 'questions',
                             coalesce((SELECT jsonb_agg(cv_question_json(q) ORDER BY q.position, q.id)
                                         FROM cv_event_questions(p_event) q), '[]'))
     WHERE p_event IS NOT NULL AND EXISTS (SELECT 1 FROM events WHERE id = p_event)
    UNION ALL
    SELECT json_build_object('event', NULL, 'project', p_slug, 'questions',
                             coalesce((SELECT jsonb_agg(cv_question_json(q) ORDER BY q.position, q.id)
                                         FROM questions q JOIN projects p ON p.id = q.project_id
                                        WHERE p.slug = p_slug), '[]'))
     WHERE p_event IS NULL AND EXISTS (SELECT 1 FROM projects WHERE slug = p_slug)
$$;

-- Check ANSWERS ({key: value}) against the questions of event P_EVENT and
-- return them as {question id: value} (no entry for an unanswered one).
-- Unless PARTIAL, a required question must be answered (answer_required;
-- consent: true, consent_required).  Values: short_text and long_text
-- text (line breaks only in long_text), choice an offered value, choices
-- a list of offered values without duplicates, yes_no true/false, number a
-- JSON number, date YYYY-MM-DD; at most 4 KB each; null or "" is no answer.
-- Every refusal names answers.KEY.
CREATE OR REPLACE FUNCTION cv_answers_check(p_event bigint, answers jsonb, partial boolean)
RETURNS jsonb
LANGUAGE plpgsql STABLE AS $$
DECLARE
    q questions;
    v jsonb;
    f text;
    k text;
    out jsonb := '{}';
    e text;
BEGIN
    answers := coalesce(answers, '{}');
    IF jsonb_typeof(answers) <> 'object' THEN
        PERFORM cv_fail(422, 'answers', 'field answers: an object {question key: answer} is expected');
    END IF;
    FOR k IN SELECT jsonb_object_keys(answers) LOOP
        IF NOT EXISTS (SELECT 1 FROM cv_event_questions(p_event) x WHERE x.key = k) THEN
            PERFORM cv_fail(422, 'answers.' || left(k, 40),
                            format('answers.%s: the event asks no such question', left(k, 40)));
        END IF;
    END LOOP;
    FOR q IN SELECT * FROM cv_event_questions(p_event) LOOP
        f := 'answers.' || q.key;
        v := answers->q.key;
        IF v IS NOT NULL AND (jsonb_typeof(v) = 'null' OR v = '""'::jsonb OR v = '[]'::jsonb) THEN
            v := NULL;
        END IF;
        IF v IS NOT NULL AND octet_length(v::text) > 4096 THEN
            PERFORM cv_fail_code(422, 'too_long', f, format('%s: an answer is at most 4 KB', f));
        END IF;
        IF q.kind = 'consent' AND v IS NOT NULL AND jsonb_typeof(v) <> 'boolean' THEN
            PERFORM cv_fail(422, f, format('%s: true or false', f));
        END IF;
        IF q.kind = 'consent' AND v = 'false'::jsonb THEN
            v := NULL;
        END IF;
        IF v IS NULL THEN
            IF q.required AND NOT partial THEN
                IF q.kind = 'consent' THEN
                    PERFORM cv_fail_code(422, 'consent_required', f,
                                         format('%s: consent is required (%s)', f, q.label->>'en'));
                END IF;
                PERFORM cv_fail_code(422, 'answer_required', f,
                                     format('%s: an answer is required (%s)', f, q.label->>'en'));
            END IF;
            CONTINUE;
        END IF;
        e := NULL;
        CASE q.kind
        WHEN 'short_text', 'long_text' THEN
            IF jsonb_typeof(v) <> 'string' THEN
                e := 'text is expected';
            ELSIF q.kind = 'short_text' AND v #>> '{}' ~ '[[:cntrl:]]' THEN
                e := 'control characters and line breaks are not allowed';
            ELSIF v #>> '{}' ~ '[\x01-\x08\x0b\x0c\x0e-\x1f\x7f]' THEN
                e := 'control characters are not allowed';
            ELSE
                v := to_jsonb(btrim(v #>> '{}'));
            END IF;
        WHEN 'choice' THEN
            IF jsonb_typeof(v) <> 'string' THEN
                e := 'one option value is expected';
            ELSIF NOT EXISTS (SELECT 1 FROM question_options o
                               WHERE o.question_id = q.id AND o.value = v #>> '{}') THEN
                PERFORM cv_fail_code(422, 'choice_not_offered', f,
                                     format('%s: %s is not one of the options', f, left(v #>> '{}', 100)));
            END IF;
        WHEN 'choices' THEN
            IF jsonb_typeof(v) <> 'array'
               OR EXISTS (SELECT 1 FROM jsonb_array_elements(v) x WHERE jsonb_typeof(x) <> 'string') THEN
                e := 'a list of option values is expected';
            ELSIF (SELECT count(DISTINCT x) FROM jsonb_array_elements_text(v) x)
                  <> jsonb_array_length(v) THEN
                e := 'an option is chosen twice';
            ELSE
                SELECT x INTO k FROM jsonb_array_elements_text(v) x
                 WHERE NOT EXISTS (SELECT 1 FROM question_options o
                                    WHERE o.question_id = q.id AND o.value = x) LIMIT 1;
                IF FOUND THEN
                    PERFORM cv_fail_code(422, 'choice_not_offered', f,
                                         format('%s: %s is not one of the options', f, left(k, 100)));
                END IF;
            END IF;
        WHEN 'yes_no' THEN
            IF jsonb_typeof(v) <> 'boolean' THEN e := 'true or false'; END IF;
        WHEN 'number' THEN
            IF jsonb_typeof(v) <> 'number' THEN e := 'a number is expected'; END IF;
        WHEN 'date' THEN
            IF jsonb_typeof(v) <> 'string' OR v #>> '{}' !~ '^\d{4}-\d{2}-\d{2}$' THEN
                e := 'a date YYYY-MM-DD is expected';
            ELSE
                BEGIN
                    PERFORM (v #>> '{}')::date;
                EXCEPTION WHEN datetime_field_overflow OR invalid_datetime_format THEN
                    e := format('%s is not a date in the calendar', v #>> '{}');
                END;
            END IF;
        ELSE
            NULL;
        END CASE;
        IF e IS NOT NULL THEN
            PERFORM cv_fail(422, f, format('%s: %s', f, e));
        END IF;
        out := out || jsonb_build_object(q.id::text, v);
    END LOOP;
    RETURN out;
END $$;

-- Store the checked answers CHECKED ({question id: value}, as
-- cv_answers_check returns them) as registration P_REG's, replacing the
-- answers to the questions it names (REPLACE_ALL: every answer).  Each
-- group (an option with a capacity) the registration does not already
-- hold is taken under a lock on its option row, in (question, value)
-- order; a full one is refused (group_full) unless FORCE.
CREATE OR REPLACE FUNCTION cv_answers_store(p_reg bigint, checked jsonb, replace_all boolean,
                                            p_by text, force boolean)
RETURNS void
LANGUAGE plpgsql AS $$
DECLARE
    g record;
    live boolean;
BEGIN
    SELECT state <> 'cancelled' INTO live FROM registrations WHERE id = p_reg;
    FOR g IN
        SELECT o.question_id, o.value, o.capacity, q.key
          FROM jsonb_each(checked) c
          JOIN question_options o ON o.question_id = c.key::bigint
          JOIN questions q ON q.id = o.question_id
         WHERE o.capacity IS NOT NULL
           AND (c.value = to_jsonb(o.value)
                OR (jsonb_typeof(c.value) = 'array' AND c.value ? o.value))
           AND NOT (live AND EXISTS (SELECT 1 FROM answers a
                                      WHERE a.registration_id = p_reg
                                        AND a.question_id = o.question_id
                                        AND (a.value = to_jsonb(o.value)
                                             OR (jsonb_typeof(a.value) = 'array'
                                                 AND a.value ? o.value))))
         ORDER BY o.question_id, o.value
    LOOP
        PERFORM 1 FROM question_options
         WHERE question_id = g.question_id AND value = g.value FOR UPDATE;
        IF NOT force AND (SELECT count(*) FROM answers a JOIN registrations r
                                              ON r.id = a.registration_id
                           WHERE a.question_id = g.question_id AND r.state <> 'cancelled'
                             AND a.registration_id <> p_reg
                             AND (a.value = to_jsonb(g.value)
                                  OR (jsonb_typeof(a.value) = 'array' AND a.value ? g.value)))
                          >= g.capacity THEN
            PERFORM cv_fail_code(422, 'group_full', 'answers.' || g.key,
                                 format('answers.%s: %s is full (%s places)', g.key, g.value,
                                        g.capacity));
        END IF;
    END LOOP;
    DELETE FROM answers a WHERE a.registration_id = p_reg
       AND (replace_all OR checked ? a.question_id::text);
    INSERT INTO answers (registration_id, question_id, value, answered_by)
    SELECT p_reg, c.key::bigint, c.value, coalesce(p_by, 'participant')
      FROM jsonb_each(checked) c;
END $$;

-- A registration's answers as {key: value}.
CREATE OR REPLACE FUNCTION cv_answers_json(p_reg bigint) RETURNS jsonb
LANGUAGE sql STABLE AS $$
    SELECT coalesce(jsonb_object_agg(q.key, a.value ORDER BY q.position, q.id), '{}')
      FROM answers a JOIN questions q ON q.id = a.question_id
     WHERE a.registration_id = p_reg
$$;

-- Change the answers of a registration: by TOKEN (the person, until
-- registration closes; the required questions stay answered) or by ID of
-- event P_EVENT (the secretariat, at any time; FORCE puts a person in a
-- full group).  ANSWERS names the questions that change (null clears
-- one).  Returns {"registration", "answers"}.
CREATE OR REPLACE FUNCTION cv_answers_change(p_token text, p_event bigint, p_id bigint,
                                             answers jsonb, p_by text, force boolean)
RETURNS json
LANGUAGE plpgsql AS $$
DECLARE
    r registrations;
    e events;
    win record;
    merged jsonb;
    checked jsonb;
BEGIN
    IF p_token IS NOT NULL THEN
        SELECT * INTO r FROM registrations WHERE token = p_token FOR UPDATE;
    ELSE
        SELECT * INTO r FROM registrations WHERE id = p_id AND event_id = p_event FOR UPDATE;
    END IF;
    IF NOT FOUND THEN
        PERFORM cv_fail(404, CASE WHEN p_token IS NULL THEN 'registration' ELSE 'token' END,
                        'no such registration');
    END IF;
    SELECT * INTO e FROM events WHERE id = r.event_id;
    IF jsonb_typeof(coalesce(answers, 'null')) <> 'object' THEN
        PERFORM cv_fail(422, 'answers', 'field answers: an object {question key: answer} is expected');
    END IF;
    IF p_token IS NOT NULL THEN
        IF r.state = 'cancelled' THEN
            PERFORM cv_fail(409, 'token', 'this registration was cancelled; its answers no longer change');
        END IF;
        SELECT * INTO win FROM cv_reg_window(e);
        IF win.registration IN ('closed', 'cancelled') THEN
            PERFORM cv_fail(409, 'answers', format('answers can be changed until registration '
                            'closes; it closed on %s', win.registration_at));
        END IF;
    END IF;
    -- the whole set after the change, checked as one
    merged := cv_answers_json(r.id) || answers;
    checked := cv_answers_check(r.event_id, jsonb_strip_nulls(merged), p_token IS NULL);
    PERFORM cv_answers_store(r.id, checked, true,
                             CASE WHEN p_token IS NULL THEN coalesce(p_by, 'secretariat')
                                  ELSE 'participant' END,
                             p_token IS NULL AND coalesce(force, false));
    UPDATE registrations SET updated_at = now() WHERE id = r.id;
    RETURN json_build_object('registration', r.id, 'answers', cv_answers_json(r.id));
END $$;

-- GET /api/public/registrations/{token}/answers: the questions of the
-- registration's event and its answers, and whether they can still change.
CREATE OR REPLACE FUNCTION cv_answers_view(p_token text) RETURNS json
LANGUAGE sql STABLE AS $$
    SELECT json_build_object(
        'event', e.id,
        'questions', coalesce((SELECT jsonb_agg(cv_question_json(q) ORDER BY q.position, q.id)
                                 FROM cv_event_questions(e.id) q), '[]'),
        'answers', cv_answers_json(r.id),
        'changeable', r.state <> 'cancelled' AND (cv_reg_window(e)).registration = 'open',
        'closes', (cv_reg_window(e)).registration_at)
      FROM registrations r JOIN events e ON e.id = r.event_id
     WHERE r.token = p_token
$$;

-- GET /api/events/{id}/answers/summary: per question, the number of
-- answers of registrations that are not cancelled, and per option (choice,
-- choices, yes_no) how many chose it, with its capacity; a "text" line
-- such as "dietary: 3 vegetarian, 1 vegan".  NULL for no such event.
CREATE OR REPLACE FUNCTION cv_question_report(p_event bigint) RETURNS json
LANGUAGE sql STABLE AS $$
    WITH live AS (
        SELECT a.question_id, a.value FROM answers a
          JOIN registrations r ON r.id = a.registration_id
         WHERE r.event_id = p_event AND r.state <> 'cancelled'),
    per AS (
        SELECT q.id, q.key, q.kind, q.label, q.position,
               (SELECT count(*) FROM live l WHERE l.question_id = q.id) AS answered,
               CASE WHEN q.kind IN ('choice', 'choices') THEN
                   (SELECT jsonb_agg(jsonb_build_object(
                               'value', o.value, 'label', o.label->>'en', 'capacity', o.capacity,
                               'count', (SELECT count(*) FROM live l
                                          WHERE l.question_id = q.id
                                            AND (l.value = to_jsonb(o.value)
                                                 OR (jsonb_typeof(l.value) = 'array'
                                                     AND l.value ? o.value))))
                               ORDER BY o.position)
                      FROM question_options o WHERE o.question_id = q.id)
                    WHEN q.kind IN ('yes_no', 'consent') THEN
                   jsonb_build_array(
                       jsonb_build_object('value', 'yes', 'label', 'yes', 'capacity', NULL, 'count',
                           (SELECT count(*) FROM live l WHERE l.question_id = q.id AND l.value = 'true')),
                       jsonb_build_object('value', 'no', 'label', 'no', 'capacity', NULL, 'count',
                           (SELECT count(*) FROM live l WHERE l.question_id = q.id AND l.value = 'false')))
               END AS options
          FROM cv_event_questions(p_event) q)
    SELECT json_build_object(
        'event', p_event,
        'registrations', (SELECT count(*) FROM registrations r
                           WHERE r.event_id = p_event AND r.state <> 'cancelled'),
        'questions', coalesce((SELECT jsonb_agg(jsonb_build_object(
                'key', per.key, 'kind', per.kind, 'label', per.label->>'en',
                'answered', per.answered, 'options', per.options,
                'text', per.key || ': ' || CASE WHEN per.options IS NULL
                    THEN per.answered || ' answered'
                    ELSE coalesce((SELECT string_agg((o->>'count') || ' ' || (o->>'label'), ', '
                                                     ORDER BY (o->>'count')::int DESC, ord)
                                     FROM jsonb_array_elements(per.options) WITH ORDINALITY x(o, ord)
                                    WHERE (o->>'count')::int > 0), 'none') END)
                ORDER BY per.position, per.id) FROM per), '[]'))
     WHERE EXISTS (SELECT 1 FROM events WHERE id = p_event)
$$;

-- An answer as one CSV cell: text as is, a number, yes/no, choices joined
-- by "; ".
CREATE OR REPLACE FUNCTION cv_answer_cell(v jsonb) RETURNS text
LANGUAGE sql IMMUTABLE AS $$
    SELECT CASE jsonb_typeof(v)
               WHEN 'boolean' THEN CASE WHEN v = 'true' THEN 'yes' ELSE 'no' END
               WHEN 'array' THEN (SELECT string_agg(x, '; ' ORDER BY o)
                                    FROM jsonb_array_elements_text(v) WITH ORDINALITY AS y(x, o))
               ELSE v #>> '{}' END
$$;

-- The CSV download of GET /api/events/{id}/registrations: a header row
-- (the columns of cv_registration_sheet, then one per question the event
-- asks, named by its key) and one row per registration, each a JSON array
-- of texts (null for an empty cell).
CREATE OR REPLACE FUNCTION cv_registration_sheet_json(p_event bigint,
                                                      p_state registration_state)
RETURNS SETOF json
LANGUAGE plpgsql STABLE AS $$
DECLARE
    keys text[] := ARRAY(SELECT q.key FROM cv_event_questions(p_event) q);
    ids bigint[] := ARRAY(SELECT q.id FROM cv_event_questions(p_event) q);
    s record;
BEGIN
    RETURN NEXT (SELECT json_agg(n ORDER BY g, o) FROM (
        SELECT 1 AS g, u.o, u.n FROM pg_proc p,
               unnest(p.proargnames, p.proargmodes) WITH ORDINALITY AS u(n, m, o)
         WHERE p.proname = 'cv_registration_sheet'
           AND p.pronamespace = (SELECT oid FROM pg_namespace WHERE nspname = current_schema())
           AND u.m = 't'
        UNION ALL
        SELECT 2, k.o, k.n FROM unnest(keys) WITH ORDINALITY AS k(n, o)) z);
    FOR s IN SELECT row_to_json(x) AS j, x.id FROM cv_registration_sheet(p_event, p_state) x LOOP
        RETURN NEXT (SELECT json_agg(c ORDER BY g, o) FROM (
            SELECT 1 AS g, e.o, e.v #>> '{}' AS c
              FROM json_each(s.j) WITH ORDINALITY AS e(k, v, o)
            UNION ALL
            SELECT 2, u.o, (SELECT cv_answer_cell(a.value) FROM answers a
                             WHERE a.registration_id = s.id AND a.question_id = u.qid)
              FROM unnest(ids) WITH ORDINALITY AS u(qid, o)) z);
    END LOOP;
END $$;

-- A registration loses its token when its person is erased or its
-- project's participants are anonymised (privacy.sql): the answers that
-- could name or describe the person (text, number, date) go with it; the
-- choices, yes/no and consents stay, so that groups and the summary still
-- count.
CREATE OR REPLACE FUNCTION cv_answers_forget() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    DELETE FROM answers a USING questions q
     WHERE a.registration_id = NEW.id AND q.id = a.question_id
       AND q.kind IN ('short_text', 'long_text', 'number', 'date');
    RETURN NULL;
END $$;

CREATE OR REPLACE TRIGGER registrations_answers_forget AFTER UPDATE OF token ON registrations
    FOR EACH ROW WHEN (OLD.token IS NOT NULL AND NEW.token IS NULL)
    EXECUTE FUNCTION cv_answers_forget();
