/* api_reg.h - registrations over JSON: public registration and deadline
 * subscriptions, the secretariat's list (JSON/CSV), cancellation and
 * correction of a registration's person. */
#ifndef CONVENED_API_REG_H
#define CONVENED_API_REG_H

/* Register the routes.  Returns 0 or -1. */
int api_reg_init(void);

#endif
