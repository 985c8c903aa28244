-- 009_one_update_path.sql - one path writes "event updated/cancelled" mails.
-- cv_event_write and cv_event_cancel (002) write them and move or cancel the
-- reminders; cv_event_changed (003) did the same with other dedupe keys and
-- was called by nothing, so keeping it invited duplicate mails.
DROP FUNCTION cv_event_changed(bigint);
