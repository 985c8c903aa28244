-- programme_mail.sql - the programme as the reminder mails show it (issue
-- 19, item 1): the items of an event still to come at an instant, with
-- their instants, for daemon/outbox_render.c to write in the reader's
-- language ({{programme}}).  Nothing here formats a date: the mail does,
-- with ICU, in the event's zone.

-- The items of event P_EVENT starting at or after P_AFTER (the reminder's
-- due time: the coming day(s) of the event), in the order the timetable
-- shows them, as [{"start_epoch", "end_epoch", "title", "room",
-- "speakers"}] (speakers as one line, "name, organisation; ..."); NULL when
-- none (no programme, or all of it past).
CREATE OR REPLACE FUNCTION cv_programme_mail(p_event bigint, p_after timestamptz)
RETURNS json
LANGUAGE sql STABLE AS $$
    SELECT json_agg(json_build_object(
               'start_epoch', extract(epoch FROM i.start_at)::bigint,
               'end_epoch', extract(epoch FROM i.end_at)::bigint,
               'title', i.title, 'room', i.room,
               'speakers', (SELECT string_agg(s->>'name'
                                              || CASE WHEN coalesce(s->>'organisation', '') <> ''
                                                      THEN ', ' || (s->>'organisation') ELSE '' END,
                                              '; ' ORDER BY o)
                              FROM jsonb_array_elements(i.speakers) WITH ORDINALITY AS x(s, o)))
           ORDER BY i.start_at, i.end_at, i.id)
      FROM programme_items i
     WHERE i.event_id = p_event AND i.start_at >= p_after
$$;
