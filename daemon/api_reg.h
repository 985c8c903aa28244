/* api_reg.h - registrations over JSON: public registration and deadline
 * subscriptions, the secretariat's list (JSON/CSV) and cancellation. */
#ifndef CONVENED_API_REG_H
#define CONVENED_API_REG_H

/* Register the routes.  Returns 0 or -1. */
int api_reg_init(void);

#endif
