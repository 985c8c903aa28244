/* checkin_assets.h - the check-in page's files (web/checkin/), built into
 * the binary by checkin_assets.c: each from SYM to SYM_end (exclusive). */
#ifndef CONVENED_CHECKIN_ASSETS_H
#define CONVENED_CHECKIN_ASSETS_H

extern const char cv_checkin_html[], cv_checkin_html_end[];
extern const char cv_checkin_js[], cv_checkin_js_end[];
extern const char cv_checkin_css[], cv_checkin_css_end[];

#endif
