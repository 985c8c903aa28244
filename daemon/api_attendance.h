/* api_attendance.h - who actually came: GET/POST /api/events/{id}/attendance,
 * DELETE /api/events/{id}/attendance/{registration}/{day} and
 * POST /api/events/{id}/walk-ins (rules in sql/functions/attendance.sql). */
#ifndef CONVENED_API_ATTENDANCE_H
#define CONVENED_API_ATTENDANCE_H

/* Register the attendance routes.  Returns 0 or -1. */
int api_attendance_init(void);

#endif
