/* api_report.h - the attendance report for funders (JSON and CSV). */
#ifndef CONVENED_API_REPORT_H
#define CONVENED_API_REPORT_H

/* Register GET /api/reports/attendance.  Returns 0 or -1. */
int api_report_init(void);

#endif
