/* api_programme.h - an event's programme (GET/POST
 * /api/events/{id}/programme, .../programme/import, PATCH/DELETE
 * .../programme/{item}), registration questions (GET/POST
 * /api/events/{id}/questions and /api/projects/{slug}/questions,
 * PATCH/DELETE /api/questions/{id}) and answers (GET
 * /api/events/{id}/answers/summary, POST
 * /api/events/{id}/registrations/{registration}/answers, GET/POST
 * /api/public/registrations/{token}/answers).  Rules in
 * sql/functions/programme.sql and sql/functions/questions.sql. */
#ifndef CONVENED_API_PROGRAMME_H
#define CONVENED_API_PROGRAMME_H

/* Register the programme, question and answer routes.  Returns 0 or -1. */
int api_programme_init(void);

#endif
