-- 010_certificates.sql - certificates of attendance (issue 14, item 5): a
-- notification kind whose mail carries the certificate as a PDF rendered
-- at send time.  The rules are in sql/functions/sheets.sql.
INSERT INTO notification_kinds (name, position) VALUES ('attendance_certificate', 12);
