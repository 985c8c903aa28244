-- organisations.sql - organisation quality (issue 14, item 6): finding
-- duplicates (GET /api/organisations?project=&q=) and merging one
-- organisation into another (POST /api/organisations/{id}/merge).
--
-- A merge moves every registration and person of the merged-away
-- organisation to the one it is merged into and keeps the merged-away row
-- as an alias (organisations.merged_into, sql/012_org_merge.sql): a later
-- registration, import or walk-in that names it, by id or by name and
-- country, lands on the merged organisation (the triggers below).
--
-- Per-organisation caps (events.org_cap) count the merged organisation
-- once: its confirmed registrations are all of both.  A merge never takes
-- a confirmed seat away: when the two together hold more seats of an event
-- than its cap, they keep them, the merge answer lists the event under
-- "over_cap", and nobody of the organisation is confirmed or promoted from
-- the waiting list there until it is under its cap again.
--
-- Lock order: the two organisation rows (FOR UPDATE, by id), then the
-- events with registrations of the merged-away one (FOR NO KEY UPDATE, by
-- id, as cv_promote_waitlist and cancellations take them), then both
-- organisations' seat_orgs rows of those events (the cap locks of
-- seats.sql), then their registrations.  A registration that names either organisation meanwhile
-- waits on the organisation row (its alias trigger takes FOR KEY SHARE) and
-- then sees the merge.

-- The organisation a registration or person should carry for ID: ID, or
-- the organisation ID was merged into.  Takes FOR KEY SHARE on the row, so
-- that a merge in flight is waited for and seen.
CREATE OR REPLACE FUNCTION cv_org_resolve_trigger() RETURNS trigger
LANGUAGE plpgsql AS $$
DECLARE
    v_into bigint;
BEGIN
    SELECT merged_into INTO v_into FROM organisations
     WHERE id = NEW.organisation_id FOR KEY SHARE;
    IF v_into IS NOT NULL THEN
        NEW.organisation_id := v_into;
    END IF;
    RETURN NEW;
END
$$;

CREATE OR REPLACE TRIGGER registrations_org_alias_insert BEFORE INSERT ON registrations
    FOR EACH ROW WHEN (NEW.organisation_id IS NOT NULL)
    EXECUTE FUNCTION cv_org_resolve_trigger();
CREATE OR REPLACE TRIGGER registrations_org_alias_update
    BEFORE UPDATE OF organisation_id ON registrations
    FOR EACH ROW WHEN (NEW.organisation_id IS NOT NULL
                       AND NEW.organisation_id IS DISTINCT FROM OLD.organisation_id)
    EXECUTE FUNCTION cv_org_resolve_trigger();
CREATE OR REPLACE TRIGGER people_org_alias_insert BEFORE INSERT ON people
    FOR EACH ROW WHEN (NEW.organisation_id IS NOT NULL)
    EXECUTE FUNCTION cv_org_resolve_trigger();
CREATE OR REPLACE TRIGGER people_org_alias_update
    BEFORE UPDATE OF organisation_id ON people
    FOR EACH ROW WHEN (NEW.organisation_id IS NOT NULL
                       AND NEW.organisation_id IS DISTINCT FROM OLD.organisation_id)
    EXECUTE FUNCTION cv_org_resolve_trigger();

-- An organisation as the list and the merge show it: cv_organisation_json
-- plus its aliases (the organisations merged into it) and its confirmed
-- registrations (in PROJECT's events when P_PROJECT is given).
CREATE OR REPLACE FUNCTION cv_organisation_full_json(o organisations, p_project bigint)
RETURNS jsonb
LANGUAGE sql STABLE AS $$
    SELECT cv_organisation_json(o)::jsonb || jsonb_build_object(
        'aliases', coalesce((SELECT jsonb_agg(jsonb_build_object('id', a.id, 'name', a.name,
                                                                 'country', a.country,
                                                                 'merged_at',
                                                                 cv_iso_utc(a.merged_at))
                                              ORDER BY a.id)
                               FROM organisations a WHERE a.merged_into = o.id), '[]'),
        'registrations', (SELECT count(*) FROM registrations r
                            JOIN events e ON e.id = r.event_id
                           WHERE r.organisation_id = o.id AND r.state = 'confirmed'
                             AND (p_project IS NULL OR e.project_id = p_project)))
$$;

-- POST /api/organisations/{id}/merge {"into": ID}: merge organisation
-- P_FROM into P_INTO (see the top of this file).  Refusals (cv_fail,
-- nothing changes): 404 when P_FROM does not exist, 422 "into" when P_INTO
-- is P_FROM or does not exist, 409 when P_FROM was already merged or P_INTO
-- is itself an alias (merge into the organisation it names instead).
-- Returns the merged organisation (cv_organisation_full_json), the one
-- merged away, how many registrations and people moved, and the events
-- where the organisation now holds more confirmed seats than the cap.
CREATE OR REPLACE FUNCTION cv_organisation_merge(p_from bigint, p_into bigint)
RETURNS json
LANGUAGE plpgsql AS $$
DECLARE
    f organisations%ROWTYPE;
    t organisations%ROWTYPE;
    v_regs integer;
    v_people integer;
    v_aliases integer;
BEGIN
    IF p_into IS NULL THEN
        PERFORM cv_fail(422, 'into', 'into: the id of the organisation to merge into');
    END IF;
    IF p_from = p_into THEN
        PERFORM cv_fail(422, 'into', 'into: an organisation is not merged into itself');
    END IF;
    -- both rows, in id order
    PERFORM 1 FROM organisations WHERE id IN (p_from, p_into) ORDER BY id FOR UPDATE;
    SELECT * INTO f FROM organisations WHERE id = p_from;
    IF NOT FOUND THEN
        PERFORM cv_fail(404, 'organisation', format('no organisation %s', p_from));
    END IF;
    SELECT * INTO t FROM organisations WHERE id = p_into;
    IF NOT FOUND THEN
        PERFORM cv_fail(422, 'into', format('into: no organisation %s', p_into));
    END IF;
    IF f.merged_into IS NOT NULL THEN
        PERFORM cv_fail(409, 'organisation', format('organisation %s was already merged '
                        'into %s', f.id, f.merged_into));
    END IF;
    IF t.merged_into IS NOT NULL THEN
        PERFORM cv_fail(409, 'into', format('into: organisation %s was merged into %s; '
                        'merge into %s', t.id, t.merged_into, t.merged_into));
    END IF;
    -- the events whose seats and caps the merge changes, as cancellations
    -- and the waiting list lock them, then the rows under which those
    -- events count each organisation's seats (seats.sql), so that no
    -- confirmation of either organisation is deciding meanwhile
    PERFORM 1 FROM events
      WHERE id IN (SELECT r.event_id FROM registrations r WHERE r.organisation_id = p_from)
      ORDER BY id FOR NO KEY UPDATE;
    INSERT INTO seat_orgs (event_id, organisation_id)
    SELECT DISTINCT r.event_id, o.id
      FROM registrations r, unnest(ARRAY[p_from, p_into]) o(id)
     WHERE r.organisation_id = p_from
    ON CONFLICT DO NOTHING;
    PERFORM 1 FROM seat_orgs
      WHERE organisation_id IN (p_from, p_into)
        AND event_id IN (SELECT r.event_id FROM registrations r WHERE r.organisation_id = p_from)
      ORDER BY event_id, organisation_id FOR UPDATE;

    UPDATE registrations SET organisation_id = p_into, updated_at = now()
     WHERE organisation_id = p_from;
    GET DIAGNOSTICS v_regs = ROW_COUNT;
    UPDATE people SET organisation_id = p_into, updated_at = now()
     WHERE organisation_id = p_from;
    GET DIAGNOSTICS v_people = ROW_COUNT;
    -- the aliases of the merged-away organisation follow it (one hop)
    UPDATE organisations SET merged_into = p_into WHERE merged_into = p_from;
    GET DIAGNOSTICS v_aliases = ROW_COUNT;
    UPDATE organisations SET merged_into = p_into, merged_at = now()
     WHERE id = p_from RETURNING * INTO f;
    SELECT * INTO t FROM organisations WHERE id = p_into;

    RETURN json_build_object(
        'organisation', cv_organisation_full_json(t, NULL),
        'merged', cv_organisation_json(f)::jsonb
                  || jsonb_build_object('merged_into', f.merged_into),
        'registrations_moved', v_regs,
        'people_moved', v_people,
        'aliases_moved', v_aliases,
        'over_cap', coalesce((SELECT json_agg(json_build_object(
                                  'event', e.id, 'title', e.title, 'org_cap', e.org_cap,
                                  'confirmed', c.n) ORDER BY e.id)
                                FROM events e
                                JOIN (SELECT r.event_id, count(*) AS n FROM registrations r
                                       WHERE r.organisation_id = p_into
                                         AND r.state = 'confirmed'
                                       GROUP BY r.event_id) c ON c.event_id = e.id
                               WHERE e.org_cap IS NOT NULL AND c.n > e.org_cap), '[]'));
END
$$;
