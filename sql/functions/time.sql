-- time.sql - wall-clock times in IANA zones: zone names, local time to
-- UTC (DST gaps refused, folds flagged), and the text forms the API, pages
-- and mails show.

CREATE OR REPLACE FUNCTION cv_zone_known(tz text) RETURNS boolean
LANGUAGE sql STABLE AS $$
    SELECT tz IS NOT NULL AND (
        EXISTS (SELECT 1 FROM cv_zones WHERE name = tz)
        OR (tz !~ '^(posix|right)/' AND tz NOT IN ('localtime', 'posixrules', 'Factory')
            AND EXISTS (SELECT 1 FROM pg_timezone_names WHERE name = tz)))
$$;

-- Every UTC instant whose wall-clock time in TZ is LOCAL: the first one
-- and how many there are (0: inside a DST gap, 2: in a DST fold).  The
-- candidates use the zone's offsets a day before, at and a day after
-- PostgreSQL's own answer, which covers every real transition.
CREATE OR REPLACE FUNCTION cv_local_instants(local timestamp, tz text,
                                  OUT first timestamptz, OUT n integer)
LANGUAGE sql STABLE AS $$
    WITH u AS (SELECT local AT TIME ZONE tz AS u),
    c AS (
        SELECT DISTINCT (local - ((i AT TIME ZONE tz) - (i AT TIME ZONE 'UTC'))) AT TIME ZONE 'UTC' AS c
        FROM u, unnest(ARRAY[u.u - interval '1 day', u.u, u.u + interval '1 day']) AS i
    )
    SELECT min(c), count(*)::integer FROM c WHERE (c AT TIME ZONE tz) = local
$$;

-- The instant of LOCAL wall-clock time in TZ by the one documented rule:
-- in a DST fold the first occurrence (summer time, RFC 5545 3.3.5), inside
-- a DST gap PostgreSQL's reading (the offset before the change).  Typed-in
-- times (cv_local_to_utc) and reminder instants (cv_reminder_instant) both
-- take it.  PostgreSQL alone reads a fold as its second occurrence; the
-- first is LOCAL with the offset in force a day earlier, when that offset
-- gives an earlier instant that reads back as LOCAL.  One expression, so
-- that the planner inlines it.
CREATE OR REPLACE FUNCTION cv_local_first(local timestamp, tz text) RETURNS timestamptz
LANGUAGE sql STABLE AS $$
    SELECT CASE WHEN cv_with_offset(local, cv_offset_at((local AT TIME ZONE tz) - interval '1 day', tz))
                     < (local AT TIME ZONE tz)
                 AND (cv_with_offset(local, cv_offset_at((local AT TIME ZONE tz) - interval '1 day', tz))
                      AT TIME ZONE tz) = local
                THEN cv_with_offset(local, cv_offset_at((local AT TIME ZONE tz) - interval '1 day', tz))
                ELSE local AT TIME ZONE tz END
$$;

-- LOCAL wall-clock time in zone TZ -> UTC instant.  Rejects unknown zones
-- (field 'tz') and times inside a DST gap (field FIELD) unless LENIENT
-- (then cv_local_first's reading is taken: used for all-day midnights).  A
-- time in a DST fold takes the first occurrence (cv_local_first) and sets
-- ambiguous.
CREATE OR REPLACE FUNCTION cv_local_to_utc(local timestamp, tz text, field text DEFAULT NULL,
                                lenient boolean DEFAULT false,
                                OUT utc timestamptz, OUT ambiguous boolean)
LANGUAGE plpgsql STABLE AS $$
DECLARE
    r record;
BEGIN
    IF NOT cv_zone_known(tz) THEN
        PERFORM cv_fail(422, 'tz', format('field tz: unknown time zone %L: an IANA name such as Europe/Rome is expected', tz));
    END IF;
    IF local IS NULL THEN
        PERFORM cv_fail(422, field, format('field %s: a local time is required', coalesce(field, 'time')));
    END IF;
    SELECT * INTO r FROM cv_local_instants(local, tz);
    utc := cv_local_first(local, tz);
    ambiguous := r.n > 1;
    IF r.n = 0 AND NOT lenient THEN
        PERFORM cv_fail(422, field, format(
            'field %s: %s does not exist in %s (the clocks skip it when summer time starts)',
            coalesce(field, 'time'), to_char(local, 'YYYY-MM-DD"T"HH24:MI'), tz));
    END IF;
END $$;

-- Output helpers.
CREATE OR REPLACE FUNCTION cv_iso_local(t timestamp) RETURNS text
LANGUAGE sql IMMUTABLE AS $$ SELECT to_char(t, 'YYYY-MM-DD"T"HH24:MI:SS') $$;

CREATE OR REPLACE FUNCTION cv_iso_utc(t timestamptz) RETURNS text
LANGUAGE sql IMMUTABLE AS $$ SELECT to_char(t AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS"Z"') $$;

-- The zone's UTC offset at instant I, and the instant at which LOCAL has
-- offset OFF (small expressions PostgreSQL inlines).
CREATE OR REPLACE FUNCTION cv_offset_at(i timestamptz, tz text) RETURNS interval
LANGUAGE sql STABLE AS $$ SELECT (i AT TIME ZONE tz) - (i AT TIME ZONE 'UTC') $$;

CREATE OR REPLACE FUNCTION cv_with_offset(local timestamp, off interval) RETURNS timestamptz
LANGUAGE sql IMMUTABLE AS $$ SELECT (local - off) AT TIME ZONE 'UTC' $$;

-- True when LOCAL in TZ also names an instant other than UTC (a DST fold):
-- tried with the offsets a day before and after UTC.
CREATE OR REPLACE FUNCTION cv_is_fold(local timestamp, tz text, utc timestamptz) RETURNS boolean
LANGUAGE sql STABLE AS $$
    SELECT coalesce(
        (cv_with_offset(local, cv_offset_at(utc - interval '1 day', tz)) <> utc
         AND (cv_with_offset(local, cv_offset_at(utc - interval '1 day', tz)) AT TIME ZONE tz) = local)
        OR (cv_with_offset(local, cv_offset_at(utc + interval '1 day', tz)) <> utc
            AND (cv_with_offset(local, cv_offset_at(utc + interval '1 day', tz)) AT TIME ZONE tz) = local),
        false)
$$;

-- {"local", "tz", "utc", "ambiguous"} for an instant entered as LOCAL in TZ;
-- AS_DATE shows the local part as a date (all-day events).
CREATE OR REPLACE FUNCTION cv_time_json(local timestamp, tz text, utc timestamptz, as_date boolean DEFAULT false)
RETURNS json LANGUAGE sql STABLE AS $$
    SELECT CASE WHEN utc IS NULL THEN NULL ELSE json_build_object(
        'local', CASE WHEN as_date THEN to_char(local, 'YYYY-MM-DD') ELSE cv_iso_local(local) END,
        'tz', tz,
        'utc', cv_iso_utc(utc),
        'ambiguous', NOT as_date AND cv_is_fold(local, tz, utc))
    END
$$;

-- A local time field of BODY for an event: a date when ALL_DAY, otherwise a
-- date and time.  Raises 422 naming FIELD when the form is wrong.
CREATE OR REPLACE FUNCTION cv_parse_local(body jsonb, field text, all_day boolean) RETURNS timestamp
LANGUAGE plpgsql IMMUTABLE AS $$
DECLARE
    s text := body->>field;
BEGIN
    IF all_day AND s !~ '^\d{4}-\d{2}-\d{2}$' THEN
        PERFORM cv_fail(422, field, format('field %s: an all-day event takes a date YYYY-MM-DD', field));
    ELSIF NOT all_day AND s !~ '^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2})?$' THEN
        PERFORM cv_fail(422, field, format('field %s: a local time YYYY-MM-DDTHH:MM is expected', field));
    END IF;
    RETURN s::timestamp;
EXCEPTION
    WHEN datetime_field_overflow OR invalid_datetime_format THEN
        PERFORM cv_fail(422, field, format('field %s: %s is not a date in the calendar', field, s));
        RETURN NULL;
END $$;

-- Convert LOCAL in an event's or deadline's zone, adding a warning to W for
-- a fold.
CREATE OR REPLACE FUNCTION cv_event_instant(local timestamp, tz text, field text, lenient boolean,
                                 INOUT w text[], OUT utc timestamptz)
LANGUAGE plpgsql STABLE AS $$
DECLARE
    r record;
BEGIN
    r := cv_local_to_utc(local, tz, field, lenient);
    utc := r.utc;
    IF r.ambiguous THEN
        w := w || format('%s %s occurs twice in %s (clocks go back); the first occurrence, %s, was taken',
                         field, to_char(local, 'YYYY-MM-DD"T"HH24:MI'), tz, cv_iso_utc(r.utc));
    END IF;
END $$;

-- "2027-03-01 09:00 (Europe/Rome)"
CREATE OR REPLACE FUNCTION cv_reg_local(p_at timestamptz, p_tz text) RETURNS text
LANGUAGE sql STABLE AS $$
    SELECT to_char(p_at AT TIME ZONE p_tz, 'YYYY-MM-DD HH24:MI') || ' (' || p_tz || ')'
$$;

-- "2027-03-28 09:00 CEST (Europe/Stockholm)"; a date alone for all-day.
CREATE OR REPLACE FUNCTION cv_format_local(p_at timestamptz, p_tz text, p_date_only boolean DEFAULT false)
RETURNS text
LANGUAGE plpgsql VOLATILE AS $$
DECLARE
    old text := current_setting('TimeZone');
    r text;
BEGIN
    IF p_at IS NULL OR p_tz IS NULL THEN
        RETURN NULL;
    END IF;
    IF p_date_only THEN
        RETURN to_char(p_at AT TIME ZONE p_tz, 'YYYY-MM-DD');
    END IF;
    PERFORM set_config('TimeZone', p_tz, true);
    r := to_char(p_at, 'YYYY-MM-DD HH24:MI TZ');
    PERFORM set_config('TimeZone', old, true);
    RETURN r || ' (' || p_tz || ')';
END
$$;

-- "venue, city, country" without the empty parts.
CREATE OR REPLACE FUNCTION cv_place(p_venue text, p_city text, p_country text) RETURNS text
LANGUAGE sql IMMUTABLE AS $$
    SELECT concat_ws(', ', NULLIF(p_venue, ''), NULLIF(p_city, ''), NULLIF(p_country, ''))
$$;
