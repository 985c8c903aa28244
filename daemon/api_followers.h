/* api_followers.h - the admin routes of a project's deadline followers. */
#ifndef CONVENED_API_FOLLOWERS_H
#define CONVENED_API_FOLLOWERS_H

/* Register the follower routes.  Returns 0 or -1. */
int api_followers_init(void);

#endif
